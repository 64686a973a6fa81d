// PulseView: the live graph. Nodes sit at their stored x/y; filters hide, never move, nodes.
import {
  Background, Controls, ReactFlow, useReactFlow, type Edge, type EdgeMouseHandler, type NodeChange, type NodeMouseHandler,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useState } from "react";
import { NexusNode, type NexusFlowNode } from "./NexusNode";
import { currentFreshness, type GraphState } from "./reducer";
import { EDGE_COLOURS, nodeDiameter } from "./style";

const nodeTypes = { nexus: NexusNode };

export interface Filters {
  hiddenTypes: Set<string>;
  division: string; // "" = all
}

export interface FocusRequest {
  ids: string[];
  seq: number;
}

interface Props {
  graph: GraphState;
  filters: Filters;
  highlighted: Set<string>;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  focus: FocusRequest | null;
}

export function isVisible(node: { type: string; division?: string | null }, filters: Filters): boolean {
  if (filters.hiddenTypes.has(node.type)) return false;
  if (filters.division && (node.division ?? "") !== filters.division) return false;
  return true;
}

export function PulseView({ graph, filters, highlighted, selectedId, onSelect, focus }: Props) {
  const { fitView } = useReactFlow();
  const [hoverEdge, setHoverEdge] = useState<string | null>(null);
  const [selectedEdge, setSelectedEdge] = useState<string | null>(null);
  const now = useMemo(() => Date.now(), [graph.version]); // eslint-disable-line react-hooks/exhaustive-deps

  const nodes: NexusFlowNode[] = useMemo(() => {
    const anyHighlight = highlighted.size > 0;
    return Object.values(graph.nodes).map((n) => {
      const d = nodeDiameter(n.size);
      return {
        id: n.id,
        type: "nexus" as const,
        // Stored x/y is the node's centre; React Flow positions the top-left corner.
        position: { x: (n.x ?? 0) - d / 2, y: (n.y ?? 0) - d / 2 },
        data: {
          node: n,
          freshness: currentFreshness(n, now),
          highlighted: highlighted.has(n.id),
          dimmed: anyHighlight && !highlighted.has(n.id),
        },
        hidden: !isVisible(n, filters),
        selected: n.id === selectedId,
        draggable: false,
        connectable: false,
        ariaLabel: `${n.type} ${n.label}`,
      };
    });
  }, [graph.nodes, filters, highlighted, selectedId, now]);

  const edges: Edge[] = useMemo(() => {
    return Object.values(graph.edges)
      .filter((e) => graph.nodes[e.source] && graph.nodes[e.target])
      .map((e) => {
        const active = e.id === hoverEdge || e.id === selectedEdge || e.source === selectedId || e.target === selectedId;
        const colour = EDGE_COLOURS[e.type] ?? "#64748b";
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          type: "straight",
          animated: !!e.animated,
          label: active ? e.type.replace(/_/g, " ") : undefined,
          labelStyle: { fill: "#e2e8f0", fontSize: 11 },
          labelBgStyle: { fill: "#0f172a", fillOpacity: 0.9 },
          labelBgPadding: [4, 2] as [number, number],
          selected: e.id === selectedEdge,
          hidden: !isVisible(graph.nodes[e.source], filters) || !isVisible(graph.nodes[e.target], filters),
          style: {
            stroke: active ? "#e2e8f0" : colour,
            strokeWidth: active ? 2.2 : 0.6 + (e.weight ?? 0.5) * 1.2,
            strokeDasharray: e.type === "contradicts" ? "6 4" : undefined,
            opacity: active ? 1 : 0.55,
          },
          data: { type: e.type },
          ariaLabel: `${e.type} from ${graph.nodes[e.source].label} to ${graph.nodes[e.target].label}`,
        };
      });
  }, [graph.edges, graph.nodes, filters, hoverEdge, selectedEdge, selectedId]);

  useEffect(() => {
    if (!focus || focus.ids.length === 0) return;
    const present = focus.ids.filter((id) => graph.nodes[id]).map((id) => ({ id }));
    if (present.length === 0) return;
    // Let React Flow measure freshly shown nodes before fitting.
    const t = setTimeout(() => void fitView({ nodes: present, duration: 450, padding: 0.35, maxZoom: 1.4 }), 30);
    return () => clearTimeout(t);
  }, [focus]); // eslint-disable-line react-hooks/exhaustive-deps

  const onNodeClick: NodeMouseHandler = (_, node) => onSelect(node.id);
  // Enter on a keyboard-focused node arrives as a selection change, not a click.
  const onNodesChange = (changes: NodeChange<NexusFlowNode>[]) => {
    const picked = changes.find((c) => c.type === "select" && c.selected);
    if (picked && "id" in picked && picked.id !== selectedId) onSelect(picked.id);
  };
  const onEdgeEnter: EdgeMouseHandler = (_, edge) => setHoverEdge(edge.id);
  const onEdgeLeave: EdgeMouseHandler = () => setHoverEdge(null);
  const onEdgeClick: EdgeMouseHandler = (_, edge) => setSelectedEdge((cur) => (cur === edge.id ? null : edge.id));

  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodeClick={onNodeClick}
      onNodesChange={onNodesChange}
      onEdgeMouseEnter={onEdgeEnter}
      onEdgeMouseLeave={onEdgeLeave}
      onEdgeClick={onEdgeClick}
      onPaneClick={() => {
        setSelectedEdge(null);
        onSelect(null);
      }}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable
      fitView
      fitViewOptions={{ padding: 0.08 }}
      minZoom={0.15}
      maxZoom={2.5}
      colorMode="dark"
      proOptions={{ hideAttribution: true }}
      onlyRenderVisibleElements={nodes.length > 600}
      aria-label="Knowledge graph"
    >
      <Background gap={40} color="#1e293b" />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
