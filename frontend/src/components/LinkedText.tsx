// Server-written sentences cite node ids ("c-05 has no owner"): show each known id as its label, linked.
import { Fragment, useContext } from "react";
import { NodeDirectoryContext, NodeRef } from "./NodeRef";

const ID = /([A-Za-z]+-[A-Za-z0-9]+)/;
const WHOLE_ID = /^[A-Za-z]+-[A-Za-z0-9]+$/;

/** The text cut into plain pieces and known node ids, in order. */
export function splitIds(text: string, known: (id: string) => boolean): { text: string; id?: string }[] {
  return text.split(ID).filter((part) => part !== "")
    .map((part) => (WHOLE_ID.test(part) && known(part) ? { text: part, id: part } : { text: part }));
}

export function LinkedText({ text }: { text: string | null | undefined }) {
  const { nodes } = useContext(NodeDirectoryContext);
  if (!text) return null;
  return (
    <>
      {splitIds(text, (id) => !!nodes[id]).map((part, i) => (part.id ? <NodeRef key={i} id={part.id} /> : <Fragment key={i}>{part.text}</Fragment>))}
    </>
  );
}
