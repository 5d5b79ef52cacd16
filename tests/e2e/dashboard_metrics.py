#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks that a Grafana dashboard asks only for series that exist.

Every PromQL expression of the dashboard (panel targets, rows' panels, the
template variables' label_values) is split into its metric names. A name
with a colon is a recording rule: it must be recorded in the rules file, and
the names its expression uses are followed in turn. Every other name must
be in the scrape (a /metrics text exposition), and each label an expression
matches on in a selector (`{peer=~"$peer"}`) must be a label of one of that
metric's samples, or one that Prometheus adds (instance, job). A family the
agent declares (# TYPE) but has no sample of yet (causes before the first
Reason header) is there too: the agent writes it, only its labels cannot be
checked, and the summary names it.

Prints one line per problem and exits 1 if there is any, else prints how
many queries and names it checked.

Usage: dashboard_metrics.py DASHBOARD.json RULES.yml SCRAPE.txt
"""
import json
import re
import sys

import yaml

# PromQL words that are not metric names: aggregations and their modifiers,
# binary operators, and every function the dashboard may call (a name
# followed by "(" must be one of these).
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "and", "or", "unless", "offset", "atan2",
}
AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
    "count_values", "bottomk", "topk", "quantile",
}
FUNCTIONS = AGGREGATIONS | {
    "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max",
    "clamp_min", "day_of_month", "day_of_week", "day_of_year", "days_in_month",
    "delta", "deriv", "exp", "floor", "histogram_quantile", "holt_winters",
    "hour", "idelta", "increase", "irate", "label_join", "label_replace", "ln",
    "log2", "log10", "minute", "month", "predict_linear", "rate", "resets",
    "round", "scalar", "sgn", "sort", "sort_desc", "sqrt", "time", "timestamp",
    "vector", "year", "avg_over_time", "min_over_time", "max_over_time",
    "sum_over_time", "count_over_time", "quantile_over_time",
    "stddev_over_time", "stdvar_over_time", "last_over_time",
    "present_over_time", "label_values",
}
# Labels a scrape never shows: Prometheus attaches them to every series.
TARGET_LABELS = {"instance", "job"}

TOKEN = re.compile(r'''
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<selector>\{[^}]*\})
  | (?P<range>\[[^\]]*\])
  | (?P<var>\$\{?\w+\}?)
  | (?P<number>\d+(?:\.\d+)?(?:[smhdwy]|ms)?\b)
  | (?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<other>\S)
''', re.VERBOSE)
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)')


def metrics_of(expr):
    """(metric, {labels matched in its selector}) for each metric in expr,
    and a list of problems (unknown functions)."""
    found, problems = [], []
    tokens = [(m.lastgroup, m.group()) for m in TOKEN.finditer(expr)]
    skip_group = False
    for i, (kind, text) in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, "")
        if kind == "other" and text == "(" and skip_group:
            # by (...), on (...): label names, up to the closing parenthesis.
            depth = 0
            for j in range(i, len(tokens)):
                if tokens[j][1] == "(":
                    depth += 1
                elif tokens[j][1] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                if j > i:
                    tokens[j] = ("label", tokens[j][1])
            skip_group = False
            continue
        if kind != "name":
            continue
        if text in KEYWORDS:
            skip_group = text in {"by", "without", "on", "ignoring", "group_left", "group_right"}
            continue
        if text in AGGREGATIONS and nxt[1] in {"by", "without"}:
            continue  # sum by (peer) (...): the aggregation, its clause first
        if nxt[1] == "(":
            if text not in FUNCTIONS:
                problems.append(f"unknown function {text}() in: {expr}")
            continue
        labels = set()
        if nxt[0] == "selector":
            labels = set(MATCHER.findall(nxt[1]))
        found.append((text, labels))
    # A selector with no name before it: {__name__=...}, not used here.
    return found, problems


def dashboard_queries(dash):
    queries = []

    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    queries.append((panel.get("title", "?"), target["expr"]))
            walk(panel.get("panels", []))

    walk(dash.get("panels", []))
    for var in dash.get("templating", {}).get("list", []):
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if var.get("type") == "query" and query:
            # label_values(METRIC{...}, LABEL): the last argument is a label.
            query = re.sub(r',\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$', ')', query)
            queries.append((f"variable ${var['name']}", query))
    return queries


def scrape_labels(path):
    """({metric name: set of label names seen on its samples},
    {metric names of the families declared by # TYPE})."""
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s')
    declaration = re.compile(r'^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)')
    names, declared = {}, set()
    for line in open(path):
        d = declaration.match(line)
        if d:
            # A histogram's queries name its series, not its family.
            suffixes = ("_bucket", "_sum", "_count") if d.group(2) == "histogram" else ("",)
            declared.update(d.group(1) + s for s in suffixes)
            continue
        m = sample.match(line)
        if m and not line.startswith("#"):
            labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(2) or ""))
            names.setdefault(m.group(1), set()).update(labels)
    return names, declared


def main():
    dash_path, rules_path, scrape_path = sys.argv[1:4]
    try:
        dash = json.load(open(dash_path))
    except ValueError as err:
        print(f"{dash_path}: not valid JSON: {err}")
        return 1
    rules = {}
    for group in yaml.safe_load(open(rules_path))["groups"]:
        for rule in group["rules"]:
            if "record" in rule:
                rules[rule["record"]] = rule["expr"]
    scraped, declared = scrape_labels(scrape_path)
    problems, checked, unsampled = [], set(), set()
    queries = dashboard_queries(dash)
    if not queries:
        problems.append(f"{dash_path}: no queries at all")

    def check(where, expr, seen):
        found, bad = metrics_of(expr)
        problems.extend(f"{where}: {p}" for p in bad)
        if not found:
            problems.append(f"{where}: no metric in: {expr}")
        for name, labels in found:
            checked.add(name)
            if ":" in name:
                if name not in rules:
                    problems.append(f"{where}: {name} is not recorded in {rules_path}")
                elif name not in seen:
                    check(f"{where} -> rule {name}", rules[name], seen | {name})
                continue
            if name not in scraped:
                if name in declared:
                    unsampled.add(name)
                else:
                    problems.append(f"{where}: {name} is not in the scrape")
                continue
            for label in sorted(labels - scraped[name] - TARGET_LABELS):
                problems.append(f"{where}: {name} has no label {label} in the scrape")

    for where, expr in queries:
        check(where, expr, set())
    problems = list(dict.fromkeys(problems))  # a rule used twice: said once
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{len(queries)} queries, {len(checked)} metric names: all exist")
    if unsampled:
        print("declared with no sample yet, labels unchecked: " + ", ".join(sorted(unsampled)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
