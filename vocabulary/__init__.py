"""Azure's and Databricks' vocabularies: names, limits, enums and the id parser.

A leaf: it imports nothing of the project's, so the configuration model, the constructs, the
stacks, the policy and the tooling all take their vocabulary from here.

- `vocabulary.azure`: resource name rules, SKUs, replication types, regions, private DNS zones,
  resource providers, key sizes, `ResourceId` (the one parser of Azure resource ids);
- `vocabulary.databricks`: Unity Catalog names, privileges, workspace permissions, isolation
  and binding modes, the Personal Compute policy's name.
"""
