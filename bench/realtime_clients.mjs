// The realtime benchmark's websocket clients: N raw `ws` clients in one Node process (the `ws`
// package that tests/realtime_js installs). Python clients cost ~30-50 µs a frame, so 100 of them
// took a whole core of the two this machine shares with the server and PostgreSQL; `ws` a few µs.
//
//   node bench/realtime_clients.mjs <ws://host:port> <clients> <changes>
//
// The writer inserts nodes bench-rt-0 … bench-rt-<changes - 1>. stdout, one line each: `ready` per
// joined client, `count <frames>` every 200 ms, and after `stop` on stdin, `result <json>` per
// client: a list indexed by change of receive times (CLOCK_MONOTONIC seconds, the clock of Python's
// time.monotonic()), 0 when it never came, -1 when it came twice; then `done`. Times go into one
// preallocated array per client: a growing object of 6,000 keys per client made V8's major
// collections pause the clients for tens of milliseconds every ~14 s.
import { createRequire } from "node:module";
import readline from "node:readline";

const require = createRequire(new URL("../tests/realtime_js/package.json", import.meta.url));
const WebSocket = require("ws");

const [url, howMany, changes] = process.argv.slice(2);
const JOIN = JSON.stringify([
  "1",
  "1",
  "realtime:bench",
  "phx_join",
  { config: { postgres_changes: [{ event: "INSERT", schema: "public", table: "nodes" }] } },
]);
const MARK = Buffer.from('"id":"bench-rt-');
const DIGIT_0 = 0x30;
const QUOTE = 0x22;
const tallies = [];
let frames = 0;

const monotonic = () => Number(process.hrtime.bigint()) / 1e9;

function connect(tally) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/realtime/v1/websocket?vsn=2.0.0`, { perMessageDeflate: false });
    let joined = false;
    ws.on("open", () => ws.send(JOIN));
    ws.on("error", reject);
    ws.on("message", (data) => {
      const now = monotonic();
      if (!joined) {
        if (data.includes('"phx_reply"')) {
          joined = true;
          process.stdout.write("ready\n");
          resolve(ws);
        }
        return;
      }
      // Cheaper than JSON.parse on every frame: the clients must not be the bottleneck.
      const at = data.indexOf(MARK);
      if (at < 0) return;
      let index = 0;
      for (let i = at + MARK.length; data[i] !== QUOTE; i += 1) index = index * 10 + data[i] - DIGIT_0;
      if (index >= tally.length) return;
      tally[index] = tally[index] === 0 ? now : -1;
      frames += 1;
    });
  });
}

const sockets = [];
for (let i = 0; i < Number(howMany); i += 1) {
  const tally = new Float64Array(Number(changes));
  tallies.push(tally);
  sockets.push(await connect(tally));
}
const ticker = setInterval(() => process.stdout.write(`count ${frames}\n`), 200);

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "stop") return;
  clearInterval(ticker);
  for (const ws of sockets) ws.terminate();
  for (const tally of tallies) process.stdout.write(`result ${JSON.stringify(Array.from(tally))}\n`);
  process.stdout.write("done\n", () => process.exit(0));
});
