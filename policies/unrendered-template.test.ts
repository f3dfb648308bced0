import { describe, expect, it } from "vitest";
import { templateMarkerOffsets } from "./unrendered-template.js";

describe("templateMarkerOffsets", () => {
  it("finds {{ where YAML expects a node: a value, a control line", () => {
    const text = "metadata:\n  name: {{ .Release.Name }}\n{{- if .Values.on }}\nspec: {}\n";
    expect(templateMarkerOffsets(text)).toEqual([text.indexOf("{{"), text.indexOf("{{-")]);
  });

  it("leaves {{ inside quoted, plain and block strings alone", () => {
    const text = [
      "a: '{{ .Data.data.password }}'",
      'b: "{{ $labels.pod }}"',
      "c: Pod {{ $labels.pod }} is down",
      "d: |",
      "  {{ template }}",
      "e: { f: 1 }",
      "",
    ].join("\n");
    expect(templateMarkerOffsets(text)).toEqual([]);
  });
});
