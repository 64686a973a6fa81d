// Choose a person node by name (the value is its id).
import { useContext } from "react";
import { NodeDirectoryContext } from "./NodeRef";

interface Props {
  value: string;
  onChange: (id: string) => void;
  label: string;
  /** The text of the empty choice; omit to require a person. */
  none?: string;
}

export function PersonPicker({ value, onChange, label, none }: Props) {
  const { people } = useContext(NodeDirectoryContext);
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{none ?? "Choose a person…"}</option>
      {people.map((p) => (
        <option key={p.id} value={p.id}>{p.label}{p.team ? ` (${p.team})` : ""}</option>
      ))}
    </select>
  );
}
