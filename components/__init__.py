"""The platform's reusable L3 constructs.

This is the design card's `constructs/` folder. It is named `components` because a top-level
package called `constructs` would shadow the `constructs` library that cdktf itself imports.
"""
