import { describe, expect, it } from "vitest";
import type { GraphEdge, GraphNode } from "../api/types";
import { change, compactNode, edge as edgeOf, node as nodeOf } from "../test/fixtures";
import { clusterView, countsText, groupKey, neighbourhood, placeNodes } from "./model";
import { DEFER_EDGES, PLACEMENT_GAP, PulseGraph } from "./pulseGraph";
import { applyChanges, deltaBetween, graphReducer, emptyGraph } from "./reducer";
import type { ChangeEvent } from "../api/types";

const node = (id: string, extra: Partial<GraphNode> = {}): GraphNode => nodeOf({ id, type: "person", ...extra });
const edge = (id: string, source: string, target: string): GraphEdge => edgeOf({ id, source, target, type: "member_of" });
const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);

describe("groups and clusters", () => {
  const nodes: Record<string, GraphNode> = {
    a: node("a", { division: "Eng", department: "Platform", team: "Cloud", x: 0, y: 0 }),
    b: node("b", { division: "Eng", department: "Platform", team: "Cloud", x: 10, y: 0 }),
    c: node("c", { division: "Eng", department: "Robots", team: "Cloud", x: 20, y: 0 }),
    d: node("d", { division: "Ops", x: 100, y: 100 }),
    e: node("e", { x: 200, y: 0 }),
  };
  const edges: Record<string, GraphEdge> = {
    ab: edge("ab", "a", "b"), ad: edge("ad", "a", "d"), bd: edge("bd", "b", "d"), ce: edge("ce", "c", "e"), de: edge("de", "d", "e"),
  };
  const pos = (id: string) => ({ x: nodes[id].x ?? 0, y: nodes[id].y ?? 0 });

  it("keys carry their parents, so equal team names in two departments stay apart", () => {
    expect(groupKey(nodes.a, "team")).toBe("team|Eng|Platform|Cloud");
    expect(groupKey(nodes.c, "team")).not.toBe(groupKey(nodes.a, "team"));
    expect(groupKey(nodes.d, "department")).toBeNull();
    expect(groupKey(nodes.e, "division")).toBeNull();
  });

  it("a collapsed team becomes one node with its count; its outside edges merge with counts", () => {
    const v = clusterView(nodes, edges, new Set(["team|Eng|Platform|Cloud"]), pos);
    expect(v.clusters).toHaveLength(1);
    expect(v.clusters[0]).toMatchObject({ label: "Cloud", count: 2, x: 5, y: 0 });
    expect([...v.repOf.keys()].sort()).toEqual(["a", "b"]);
    // a-b is inside; a-d and b-d become one edge counted twice; c-e and d-e are untouched.
    expect(v.edges).toEqual([{ key: "cedge:cluster:team|Eng|Platform|Cloud|d", source: "cluster:team|Eng|Platform|Cloud", target: "d", count: 2 }]);
  });

  it("the outermost collapsed group wins", () => {
    const v = clusterView(nodes, edges, new Set(["team|Eng|Platform|Cloud", "division|Eng"]), pos);
    expect(v.clusters.map((c) => [c.label, c.count])).toEqual([["Eng", 3]]);
  });

  it("neighbourhood follows edges both ways, N hops", () => {
    const adj: Record<string, string[]> = { a: ["b", "d"], b: ["a", "d"], c: ["e"], d: ["a", "b", "e"], e: ["c", "d"] };
    expect([...neighbourhood("a", 1, (id) => adj[id])].sort()).toEqual(["a", "b", "d"]);
    expect([...neighbourhood("a", 2, (id) => adj[id])].sort()).toEqual(["a", "b", "d", "e"]);
  });
});

describe("placement", () => {
  it("puts a new node next to its neighbours and never on top of another", () => {
    const placed = [{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 50, y: 0 }];
    const spots = placeNodes(["n"], placed, () => [{ x: 0, y: 0 }, { x: 100, y: 0 }], () => ({ x: 999, y: 999 }), 36);
    const p = spots.get("n")!;
    expect(dist(p, { x: 50, y: 0 })).toBeGreaterThanOrEqual(36);
    expect(dist(p, { x: 50, y: 0 })).toBeLessThan(80);
  });

  it("a burst of new nodes spreads out instead of stacking", () => {
    const ids = Array.from({ length: 500 }, (_, i) => `g${i}`);
    const spots = [...placeNodes(ids, [], () => [], () => ({ x: 0, y: 0 }), 36).values()];
    let closest = Infinity;
    for (let i = 0; i < spots.length; i++) for (let j = i + 1; j < spots.length; j++) closest = Math.min(closest, dist(spots[i], spots[j]));
    expect(closest).toBeGreaterThanOrEqual(36);
  });

  it("the live model places coordinate-less nodes by their neighbours, also when the edge comes later", () => {
    let state = graphReducer(emptyGraph, {
      type: "reset", cursor: 0,
      graph: { nodes: [compactNode({ id: "a", x: 1000, y: 1000 }), compactNode({ id: "b", x: 1040, y: 1000 })], edges: [] },
    });
    const model = new PulseGraph();
    model.sync(state, new Set());
    state = applyChanges(state, [change("nodes", "INSERT", { new: { id: "n", type: "fact", label: "new" }, old: {} }, 1)]);
    model.sync(state, new Set());
    state = applyChanges(state, [change("edges", "INSERT", { new: { id: "e1", source: "n", target: "a", type: "about" }, old: {} }, 2)]);
    model.sync(state, new Set());
    const p = model.graph.getNodeAttributes("n");
    const a = model.graph.getNodeAttributes("a");
    const b = model.graph.getNodeAttributes("b");
    expect(dist(p, a)).toBeLessThan(PLACEMENT_GAP * 2.5);
    expect(dist(p, a)).toBeGreaterThanOrEqual(PLACEMENT_GAP);
    expect(dist(p, b)).toBeGreaterThanOrEqual(PLACEMENT_GAP);
    // A later change without coordinates (a rename) does not move it again.
    state = applyChanges(state, [change("nodes", "UPDATE", { new: { id: "n", type: "fact", label: "renamed" }, old: {} }, 3)]);
    model.sync(state, new Set());
    expect(model.graph.getNodeAttributes("n")).toMatchObject({ x: p.x, y: p.y, label: "renamed" });
  });

  it("the placement grid kept between batches follows every add, move, drag and delete", () => {
    const stored = Array.from({ length: 10 }, (_, i) => compactNode({ id: `s${i}`, x: 5000 + i * 100, y: 5000 }));
    let state = graphReducer(emptyGraph, { type: "reset", cursor: 0, graph: { nodes: [compactNode({ id: "h", x: 1000, y: 1000 }), ...stored], edges: [] } });
    const model = new PulseGraph();
    model.sync(state, new Set());
    let cursor = 0;
    // n new nodes without coordinates, each linked to `to`, in one batch.
    const burst = (prefix: string, n: number, to: string) => {
      const events: ChangeEvent[] = [];
      for (let i = 0; i < n; i++) {
        events.push(change("nodes", "INSERT", { new: { id: `${prefix}${i}`, type: "fact", label: "x" } }, ++cursor));
        events.push(change("edges", "INSERT", { new: { id: `e-${prefix}${i}`, source: `${prefix}${i}`, target: to, type: "about" } }, ++cursor));
      }
      state = applyChanges(state, events);
      model.sync(state, new Set());
      return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    };
    const closestTo = (ids: string[]) => {
      let closest = Infinity;
      for (const id of ids) {
        const p = model.graph.getNodeAttributes(id);
        model.graph.forEachNode((other, q) => {
          if (other !== id) closest = Math.min(closest, dist(p, q));
        });
      }
      return closest;
    };
    const first = burst("a", 60, "h");
    expect(closestTo(first)).toBeGreaterThanOrEqual(PLACEMENT_GAP - 1e-9);
    // A live update moves s1 (stored coordinates): nodes linked to it keep clear of where it is now.
    state = applyChanges(state, [change("nodes", "UPDATE", { new: { id: "s1", type: "fact", label: "s1", x: 9000, y: 9000 } }, ++cursor)]);
    model.sync(state, new Set());
    expect(closestTo(burst("b", 5, "s1"))).toBeGreaterThanOrEqual(PLACEMENT_GAP - 1e-9);
    // A drag moves s2 in the view.
    model.move("s2", { x: -7000, y: 7000 });
    expect(closestTo(burst("c", 5, "s2"))).toBeGreaterThanOrEqual(PLACEMENT_GAP - 1e-9);
    // A node with stored coordinates arrives where the next burst aims.
    state = applyChanges(state, [change("nodes", "INSERT", { new: { id: "t", type: "fact", label: "t", x: 12000, y: 0 } }, ++cursor)]);
    model.sync(state, new Set());
    expect(closestTo(burst("d", 5, "t"))).toBeGreaterThanOrEqual(PLACEMENT_GAP - 1e-9);
    // The nodes nearest the hub go: the next nodes linked to it take their spots again.
    const h = model.graph.getNodeAttributes("h");
    const nearest = [...first].sort((x, y) => dist(model.graph.getNodeAttributes(x), h) - dist(model.graph.getNodeAttributes(y), h)).slice(0, 10);
    const freed = Math.max(...nearest.map((id) => dist(model.graph.getNodeAttributes(id), h)));
    state = applyChanges(state, nearest.map((id) => change("nodes", "DELETE", { old: { id } }, ++cursor)));
    model.sync(state, new Set());
    const refill = burst("f", 10, "h");
    expect(closestTo(refill)).toBeGreaterThanOrEqual(PLACEMENT_GAP - 1e-9);
    for (const id of refill) expect(dist(model.graph.getNodeAttributes(id), h)).toBeLessThanOrEqual(freed + 1e-9);
  });

  it("stored coordinates are drawn as stored (y flipped for sigma) and deletions drop edges", () => {
    let state = graphReducer(emptyGraph, {
      type: "reset", cursor: 0,
      graph: { nodes: [compactNode({ id: "a", x: 10, y: 20 }), compactNode({ id: "b", x: 0, y: 0 })], edges: [edgeOf({ id: "ab", source: "a", target: "b" })] },
    });
    const model = new PulseGraph();
    model.sync(state, new Set());
    expect(model.graph.getNodeAttributes("a")).toMatchObject({ x: 10, y: -20 });
    expect(model.shortestPath("a", "b")).toEqual(["a", "b"]);
    state = applyChanges(state, [change("nodes", "DELETE", { new: {}, old: { id: "b" } }, 1)]);
    model.sync(state, new Set());
    expect(model.graph.order).toBe(1);
    expect(model.graph.size).toBe(0);
    expect(Object.keys(state.edges)).toEqual([]);
  });

  it("a sync reports what it touched, and a batch is followed through its ids alone", () => {
    let state = graphReducer(emptyGraph, {
      type: "reset", cursor: 0,
      graph: { nodes: [compactNode({ id: "a", x: 0, y: 0 }), compactNode({ id: "b", x: 100, y: 0 }), compactNode({ id: "c", x: 200, y: 0 })], edges: [edge("ab", "a", "b"), edge("bc", "b", "c")] },
    });
    const model = new PulseGraph();
    const none = new Set<string>();
    expect(model.sync(state, none)).toMatchObject({ reset: true });
    expect(model.sync(state, none)).toBeNull();
    const ins = (id: string, cursor: number): ChangeEvent => change("nodes", "INSERT", { new: { id, type: "fact", label: id, x: 50, y: 50 } }, cursor);
    const before = state;
    state = applyChanges(state, [ins("n1", 1), ins("n2", 2), ins("n1", 3)]);
    expect(deltaBetween(before, state)?.nodes).toEqual(["n1", "n2", "n1"]);
    expect(deltaBetween(emptyGraph, state)).toBeNull();
    const added = model.sync(state, new Set());
    expect(added).toEqual({ reset: false, nodes: ["n1", "n2"], edges: [], droppedNodes: [], droppedEdges: [] });
    // Deleting a node drops its edges, in the graph and in the report.
    state = applyChanges(state, [change("nodes", "DELETE", { old: { id: "b" } }, 4)]);
    const dropped = model.sync(state, new Set());
    expect(dropped?.droppedNodes).toEqual(["b"]);
    expect(dropped?.droppedEdges.sort()).toEqual(["ab", "bc"]);
    expect(model.graph.order).toBe(4);
    expect(model.graph.size).toBe(0);
  });

  it("an edge that arrives before its node is drawn once the node comes, in a later batch", () => {
    let state = graphReducer(emptyGraph, { type: "reset", cursor: 0, graph: { nodes: [compactNode({ id: "a", x: 0, y: 0 })], edges: [] } });
    const model = new PulseGraph();
    model.sync(state, new Set());
    state = applyChanges(state, [change("edges", "INSERT", { new: { id: "ax", source: "a", target: "x", type: "about" } }, 1)]);
    model.sync(state, new Set());
    expect(model.graph.size).toBe(0);
    state = applyChanges(state, [change("nodes", "INSERT", { new: { id: "x", type: "fact", label: "x" } }, 2)]);
    const report = model.sync(state, new Set());
    expect(model.graph.hasEdge("ax")).toBe(true);
    expect(report?.edges).toEqual(["ax"]);
  });

  it("a big first load draws its nodes first; the edges come with completeEdges or the next batch", () => {
    const n = Math.ceil(DEFER_EDGES / 5) + 10;
    const nodes = Array.from({ length: n }, (_, i) => compactNode({ id: `n${i}`, x: i, y: 0 }));
    const edges = Array.from({ length: DEFER_EDGES + 1 }, (_, i) => edge(`e${i}`, `n${i % n}`, `n${(i * 7 + 1) % n}`));
    const state = graphReducer(emptyGraph, { type: "reset", cursor: 0, graph: { nodes, edges } });
    const none = new Set<string>();
    const first = new PulseGraph();
    expect(first.sync(state, none, Date.now(), { deferEdges: true })).toMatchObject({ reset: true, edgesPending: true, edges: [] });
    expect(first.graph.order).toBe(n);
    expect(first.graph.size).toBe(0);
    expect(first.completeEdges()?.edges).toHaveLength(DEFER_EDGES + 1);
    expect(first.graph.size).toBe(DEFER_EDGES + 1);
    expect(first.completeEdges()).toBeNull();
    // A live batch before completeEdges brings every edge along.
    const second = new PulseGraph();
    second.sync(state, none, Date.now(), { deferEdges: true });
    const next = applyChanges(state, [change("nodes", "INSERT", { new: { id: "late", type: "fact", label: "late", x: 1, y: 1 } }, 1)]);
    second.sync(next, none);
    expect(second.graph.size).toBe(DEFER_EDGES + 1);
    expect(second.completeEdges()).toBeNull();
  });

  it("two batches between syncs are followed by comparing the maps (same result)", () => {
    let state = graphReducer(emptyGraph, { type: "reset", cursor: 0, graph: { nodes: [compactNode({ id: "a", x: 0, y: 0 })], edges: [] } });
    const model = new PulseGraph();
    model.sync(state, new Set());
    state = applyChanges(state, [change("nodes", "INSERT", { new: { id: "b", type: "fact", label: "b", x: 9, y: 9 } }, 1)]);
    state = applyChanges(state, [change("nodes", "UPDATE", { new: { id: "a", type: "fact", label: "A", x: 0, y: 0 } }, 2)]);
    const report = model.sync(state, new Set());
    expect(report?.nodes.sort()).toEqual(["a", "b"]);
    expect(model.graph.getNodeAttribute("a", "label")).toBe("A");
  });
});

it("counts read as the page shows them", () => {
  expect(countsText(10_088, 50_176)).toBe("10,088 nodes · 50,176 edges");
  expect(countsText(1, 1)).toBe("1 node · 1 edge");
});
