// Kubernetes label selector semantics (matchLabels AND matchExpressions), for PDBs and policies.
import { rec, recs, str, stringMap, strs } from "./manifest-fields.js";

/**
 * True when `selector` selects a pod with `labels`. An empty selector selects every pod (PDB
 * policy/v1, NetworkPolicy podSelector); a missing one selects none.
 */
export function selects(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const sel = rec(selector);
  if (sel === undefined) return false;
  for (const [key, value] of Object.entries(stringMap(sel.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expr of recs(sel.matchExpressions)) {
    const key = str(expr.key) ?? "";
    const values = strs(expr.values);
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (str(expr.operator)) {
      case "In":
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        // An operator Kubernetes would reject selects nothing rather than everything.
        return false;
    }
  }
  return true;
}

/** True when the selector is present and empty: it selects every pod in its namespace. */
export function selectsAll(selector: unknown): boolean {
  const sel = rec(selector);
  if (sel === undefined) return false;
  return (
    Object.keys(stringMap(sel.matchLabels)).length === 0 && recs(sel.matchExpressions).length === 0
  );
}
