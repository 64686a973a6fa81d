// Adding nodes to a drawing without re-indexing it. sigma's indexing pass (`process`) rebuilds
// every node's and edge's buffers and lookup tables: 0.2-0.5 s a pass at 15,000 nodes / 50,000
// edges in software WebGL, once per live batch. A batch that only adds nodes (a burst of inserts)
// is appended instead: the new nodes get ids after every existing item, their own slots at the
// end of their program's buffer, and label-grid cells; nothing else is touched. Anything else —
// or anything this code does not recognise in sigma's state — falls back to the full pass.
import type Sigma from "sigma";
import type { NodeDisplayData } from "sigma/types";
import { matrixFromCamera } from "sigma/utils";

interface Program {
  capacity: number;
  array: Float32Array;
  reallocate(capacity: number): void;
}

/** The parts of sigma's private state an append needs (sigma 3.0). */
interface Guts {
  process(): unknown;
  refresh(opts?: { partialGraph?: unknown; skipIndexation?: boolean; schedule?: boolean }): unknown;
  updateNode(key: string): void;
  addNodeToProgram(key: string, fingerprint: number, position: number): void;
  scheduleRender(): unknown;
  needToProcess: boolean;
  nodeDataCache: Record<string, NodeDisplayData>;
  nodeProgramIndex: Record<string, number>;
  nodeIndices: Record<string, number>;
  edgeProgramIndex: Record<string, number>;
  itemIDsIndex: Record<number, { type: string; id: string }>;
  nodePrograms: Record<string, Program>;
  nodeZExtent: [number, number];
  customBBox: unknown;
  labelGrid: { add(key: string, size: number, pos: { x: number; y: number }): void; organize(): void };
  settings: { zIndex: boolean; stagePadding: number };
  framedGraphToViewport(p: { x: number; y: number }, o: { matrix: Float32Array }): { x: number; y: number };
  getDimensions(): { width: number; height: number };
  getGraphDimensions(): { width: number; height: number };
  getStagePadding(): number;
}

export interface Appender {
  /** Nodes just added to the graph (and nothing else changed since the last indexing pass):
   *  drawn on the next frame by appending them. False: refresh them the usual way. */
  add(keys: string[]): boolean;
  /** Nodes were appended since the last full pass (the extent "Fit" frames predates them). */
  stale(): boolean;
  /** A full indexing pass on the next frame (new extent, every buffer rebuilt). */
  reindex(): void;
}

export function installAppender(sigma: Sigma): Appender | null {
  const guts = sigma as unknown as Guts;
  const needed = ["process", "refresh", "updateNode", "addNodeToProgram", "framedGraphToViewport"] as const;
  if (needed.some((m) => typeof guts[m] !== "function") || !guts.nodeProgramIndex || !guts.labelGrid) return null;
  const graph = sigma.getGraph();
  const fullProcess = guts.process.bind(sigma);
  const fullRefresh = guts.refresh.bind(sigma);
  let pending: string[] | null = null;
  let nextId = 0;
  let appended = false;
  // Items indexed by the last full pass plus appends since (any other change goes through a
  // refresh, which clears `pending`).
  let indexedNodes = 0;
  let indexedEdges = 0;

  const append = (keys: string[]): boolean => {
    if (guts.customBBox || (guts.settings.zIndex && guts.nodeZExtent[0] !== guts.nodeZExtent[1])) return false;
    // Every other node and edge must be indexed already, and none of these.
    if (keys.some((k) => guts.nodeProgramIndex[k] !== undefined || !guts.nodeDataCache[k] || !graph.hasNode(k))) return false;
    if (indexedNodes + keys.length !== graph.order || indexedEdges !== graph.size) return false;
    const byType = new Map<string, string[]>();
    for (const k of keys) {
      const type = guts.nodeDataCache[k].type;
      if (!guts.nodePrograms[type]) return false;
      let list = byType.get(type);
      if (!list) byType.set(type, (list = []));
      list.push(k);
    }
    const matrix = matrixFromCamera({ x: 0.5, y: 0.5, angle: 0, ratio: 1 }, guts.getDimensions(), guts.getGraphDimensions(), guts.getStagePadding());
    for (const [type, list] of byType) {
      const program = guts.nodePrograms[type];
      const start = program.capacity;
      const old = program.array;
      program.reallocate(start + list.length);
      program.array.set(old.subarray(0, Math.min(old.length, program.array.length)));
      list.forEach((k, i) => {
        const id = nextId++;
        guts.nodeIndices[k] = id;
        guts.itemIDsIndex[id] = { type: "node", id: k };
        guts.addNodeToProgram(k, id, start + i);
      });
    }
    for (const k of keys) {
      const data = guts.nodeDataCache[k];
      if (typeof data.label === "string" && !data.hidden) guts.labelGrid.add(k, data.size, guts.framedGraphToViewport(data, { matrix }));
    }
    guts.labelGrid.organize();
    indexedNodes += keys.length;
    appended = true;
    return true;
  };

  guts.process = () => {
    const keys = pending;
    pending = null;
    if (keys && append(keys)) return sigma;
    const out = fullProcess();
    nextId = graph.order + graph.size + 1; // the full pass numbers nodes, then edges, from 1
    indexedNodes = graph.order;
    indexedEdges = graph.size;
    appended = false;
    return out;
  };
  // Any refresh that asks for an indexing pass gets the full one.
  guts.refresh = (opts) => {
    if (!opts?.partialGraph || !opts.skipIndexation) pending = null;
    return fullRefresh(opts);
  };

  return {
    add(keys) {
      if (guts.needToProcess && pending === null) return false; // a full pass is due anyway
      if (nextId === 0) return false; // no full pass yet
      for (const k of keys) guts.updateNode(k);
      pending = pending ? pending.concat(keys) : keys.slice();
      guts.needToProcess = true;
      guts.scheduleRender();
      return true;
    },
    stale: () => appended,
    reindex() {
      fullRefresh({ partialGraph: { nodes: [] }, schedule: true });
      pending = null;
    },
  };
}
