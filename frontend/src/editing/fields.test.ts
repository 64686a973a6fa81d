import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { node } from "../test/fixtures";
import { existingValues, fieldErrors, initialValues, nodeBody } from "./fields";

const commitment = node({
  id: "c-01", type: "commitment", label: "Ship it", division: "Eng", size: 2, half_life_days: 14, status: "active",
  extras: { owner_id: "p-10", due_date: "2027-01-04", progress: 0.35, jira: "NX-1" },
});

describe("node form bodies", () => {
  it("a create sends what was filled in, type-specific fields in extras", () => {
    const v = initialValues(null, "commitment");
    v.base.type = "commitment";
    v.base.label = "Calibrate";
    v.base.team = " Perception ";
    v.extras.owner_id = "p-10";
    v.extras.progress = "0.5";
    expect(nodeBody(v)).toEqual({ type: "commitment", label: "Calibrate", team: "Perception", extras: { owner_id: "p-10", progress: 0.5 } });
  });
  it("a blank label is sent as blank, for the API to refuse", () => {
    const v = initialValues(null, "fact");
    expect(nodeBody(v)).toEqual({ type: "fact", label: "" });
  });
  it("an edit sends only the changes and keeps extras the form does not show", () => {
    const v = initialValues(commitment);
    expect(nodeBody(v, commitment)).toEqual({});
    v.base.label = "Ship it now";
    v.base.division = "";
    v.extras.owner_id = "p-11";
    expect(nodeBody(v, commitment)).toEqual({
      label: "Ship it now", division: null,
      extras: { owner_id: "p-11", due_date: "2027-01-04", progress: 0.35, jira: "NX-1" },
    });
  });
  it("lists come from comma-separated text", () => {
    const v = initialValues({ id: "p-1", type: "person", label: "Ada", extras: { skills: ["a", "b"] } });
    expect(v.extras.skills).toBe("a, b");
    v.extras.skills = "a, b ,c,";
    expect(nodeBody(v).extras).toEqual({ skills: ["a", "b", "c"] });
  });
  it("non-numeric numbers go as typed, so the API names the field", () => {
    const v = initialValues(null, "fact");
    v.base.label = "x";
    v.base.size = "big";
    expect(nodeBody(v).size).toBe("big");
  });
});

describe("API errors by field", () => {
  it("puts each message next to its field and the rest in general", () => {
    const e = new ApiError(400, "invalid", "label: This field may not be blank.", {
      label: ["This field may not be blank."], "extras.note": ["Null characters are not allowed."], lable: ["Unknown field."],
    });
    const f = fieldErrors(e, ["label", "extras.note"]);
    expect(f.byField).toEqual({ label: "This field may not be blank.", "extras.note": "Null characters are not allowed." });
    expect(f.general).toBe("lable: Unknown field.");
  });
  it("an error without fields is general", () => {
    expect(fieldErrors(new ApiError(409, "conflict", "An edge already exists."), ["type"])).toEqual({ byField: {}, general: "An edge already exists." });
  });
  it("maps batch paths to their field", () => {
    const e = new ApiError(400, "invalid", "x", { "mutations[0].label": ["Required."] });
    expect(fieldErrors(e, ["label"]).byField).toEqual({ label: "Required." });
  });
});

describe("suggested values", () => {
  const nodes = [
    { division: "Eng", department: "Platform", team: "Cloud" }, { division: "Eng", department: "Robots", team: "Arms" },
    { division: "Ops", department: "Platform", team: "Fleet" }, { division: null },
  ];
  it("are distinct, sorted, and narrowed by the chosen division", () => {
    expect(existingValues(nodes, "division")).toEqual(["Eng", "Ops"]);
    expect(existingValues(nodes, "team", { division: "Eng" })).toEqual(["Arms", "Cloud"]);
    expect(existingValues(nodes, "team", { division: "Eng", department: "Platform" })).toEqual(["Cloud"]);
  });
});
