// DOT on stdin -> SVG on stdout, with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz):
// no system Graphviz, nothing downloaded at run time.
import { Graphviz } from "@hpcc-js/wasm-graphviz";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const graphviz = await Graphviz.load();
process.stdout.write(graphviz.dot(Buffer.concat(chunks).toString("utf8"), "svg"));
