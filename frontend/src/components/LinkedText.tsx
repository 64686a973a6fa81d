// Server-written sentences cite node ids ("'Port the stack' (c-01) has no owner"): show each known
// id as its label, linked; where the sentence already gives the label next to the id, once.
import { Fragment, useContext } from "react";
import { NodeDirectoryContext, NodeRef } from "./NodeRef";

const ID = /([A-Za-z]+-[A-Za-z0-9]+)/;
const WHOLE_ID = /^[A-Za-z]+-[A-Za-z0-9]+$/;

export interface Piece { text: string; id?: string }

/** The text cut into plain pieces and known node ids, in order; "'Label' (id)" and "Label (id)"
 * become the id alone (shown as its label). ``label`` returns a known node's label, else undefined. */
export function splitIds(text: string, label: (id: string) => string | undefined): Piece[] {
  const parts = text.split(ID);
  const out: Piece[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    const name = i % 2 === 1 && WHOLE_ID.test(part) ? label(part) : undefined;
    if (name === undefined) {
      const last = out[out.length - 1];
      if (last && !last.id) last.text += part; // one plain piece, so a label with a dash still matches
      else if (part) out.push({ text: part });
      continue;
    }
    const before = out.length && !out[out.length - 1].id ? out[out.length - 1] : null;
    const after = parts[i + 1] ?? "";
    const cited = before && after.startsWith(")") && [`'${name}' (`, `${name} (`].find((s) => before.text.endsWith(s));
    if (cited && before) {
      before.text = before.text.slice(0, -cited.length);
      if (!before.text) out.pop();
      parts[i + 1] = after.slice(1);
    }
    out.push({ text: part, id: part });
  }
  return out;
}

export function LinkedText({ text }: { text: string | null | undefined }) {
  const { nodes } = useContext(NodeDirectoryContext);
  if (!text) return null;
  return (
    <>
      {splitIds(text, (id) => nodes[id]?.label).map((part, i) => (part.id ? <NodeRef key={i} id={part.id} /> : <Fragment key={i}>{part.text}</Fragment>))}
    </>
  );
}
