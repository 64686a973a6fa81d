// Where a node made in PulseView goes: next to the selected node (what it is most likely about),
// else at the centre of the view; never on top of another node.
import type { Point } from "../graph/model";
import type { ViewHandle } from "../graph/PulseView";
import { toStored } from "../graph/pulseGraph";

export function placeNewNode(view: ViewHandle | null, nearId: string | null): Point | null {
  if (!view) return null;
  const g = view.model.graph;
  const near = nearId && g.hasNode(nearId) ? toStored(g.getNodeAttributes(nearId)) : view.centre();
  return view.model.freeSpot(near);
}
