// One graph node: a circle filled by type, ringed by health, faded and barred by freshness.
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { GraphNode } from "../types";
import { freshnessLabel, healthColour, nodeDiameter, typeColour } from "./style";

export type NexusNodeData = {
  node: GraphNode;
  freshness: number;
  highlighted: boolean;
  dimmed: boolean;
};
export type NexusFlowNode = Node<NexusNodeData, "nexus">;

const hiddenHandle = { opacity: 0, top: "50%", left: "50%", width: 1, height: 1, minWidth: 0, minHeight: 0, border: 0 };

function NexusNodeView({ data, selected }: NodeProps<NexusFlowNode>) {
  const { node, freshness, highlighted, dimmed } = data;
  const d = nodeDiameter(node.size);
  const f = Math.max(0, Math.min(1, freshness));
  const classes = ["nx-node", highlighted ? "is-highlighted" : "", selected ? "is-selected" : "", dimmed ? "is-dimmed" : ""];
  return (
    <div
      className={classes.join(" ")}
      data-node-id={node.id}
      data-type={node.type}
      data-health={node.health ?? ""}
      title={`${node.label} — ${node.type}, health ${node.health ?? "unknown"}, ${freshnessLabel(f)} (${Math.round(f * 100)}%)`}
      style={{ width: d }}
    >
      <div
        className="nx-dot"
        style={{
          width: d,
          height: d,
          background: typeColour(node.type),
          borderColor: healthColour(node.health),
          opacity: 0.35 + 0.65 * f,
        }}
      >
        {/* Edges meet at the centre of the circle. */}
        <Handle type="target" position={Position.Top} style={hiddenHandle} isConnectable={false} />
        <Handle type="source" position={Position.Bottom} style={hiddenHandle} isConnectable={false} />
      </div>
      <div className="nx-fresh" aria-hidden="true">
        <div style={{ width: `${Math.round(f * 100)}%` }} />
      </div>
      <div className="nx-label">{node.label}</div>
    </div>
  );
}

export const NexusNode = memo(NexusNodeView);
