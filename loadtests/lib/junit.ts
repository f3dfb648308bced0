// JUnit XML for CI test reporters: one test case per threshold. No runtime imports (k6 loads it).
import type { LoadSummary } from "./summary.js";

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** The summary as a JUnit testsuite; a failed threshold is a failed test case. */
export function junitXml(summary: LoadSummary): string {
  const failures = summary.thresholds.filter((t) => !t.ok).length;
  const seconds = (summary.durationMs / 1000).toFixed(3);
  const suite = `wshub load ${summary.scenario} (${summary.stack})`;
  const cases = summary.thresholds.map((t) => {
    const name = escapeXml(`${t.metric} ${t.expression}`);
    const actual = t.actual === null ? "no samples" : String(t.actual);
    const open = `    <testcase classname="${escapeXml(suite)}" name="${name}" time="0">`;
    if (t.ok) return `${open}</testcase>`;
    const message = escapeXml(`${t.metric} ${t.expression} failed: actual ${actual}`);
    return `${open}\n      <failure message="${message}" type="threshold"/>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${summary.thresholds.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${summary.thresholds.length}" failures="${failures}" time="${seconds}" timestamp="${escapeXml(summary.startedAt)}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
