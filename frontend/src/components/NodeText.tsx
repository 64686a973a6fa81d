// Text that names nodes by id ("owner p-10", "Priya Raman (p-10)"): each id of a node in the
// graph becomes the node's label, linked to it; "Label (id)" becomes just the linked label.
import { Fragment, useContext } from "react";
import { NodeDirectoryContext, NodeRef } from "./NodeRef";

export type TextPart = string | { id: string };

const ID = /\b[a-z]{1,3}-[0-9a-z]{1,32}\b/g;

export function splitIds(text: string, label: (id: string) => string | undefined): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(ID)) {
    const id = m[0];
    const name = label(id);
    if (name === undefined) continue;
    let start = m.index;
    let end = start + id.length;
    const before = `${name} (`;
    if (text.slice(start - before.length, start) === before && text[end] === ")" && start - before.length >= last) {
      start -= before.length;
      end += 1;
    }
    if (start > last) parts.push(text.slice(last, start));
    parts.push({ id });
    last = end;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export function NodeText({ text }: { text: string }) {
  const { nodes } = useContext(NodeDirectoryContext);
  const parts = splitIds(text, (id) => nodes[id]?.label);
  return <>{parts.map((p, i) => <Fragment key={i}>{typeof p === "string" ? p : <NodeRef id={p.id} />}</Fragment>)}</>;
}
