"""The conformance report: counted from the tests' records (`report_of`), and printed
(`format_report`): the header, one row per operation, then every failure with its assertion and
reproduction, the known failures, and the skipped tests grouped by reason."""

from __future__ import annotations

import re

from .interface import OPERATIONS

CONVERSIONS = ("asarray", "tolist")
COMBINED = "combined"

#: Lines of one failure's assertion shown in the printed report (the JSON report has them all).
SHOWN_LINES = 40


def report_of(tests: list[dict], header: dict, missing) -> dict:
    """The report of a run from its tests' records: per operation, the tests counted for it and the
    largest errors; every failure; the skipped tests; the known failures that passed. missing: the
    operations the backend does not implement."""
    operations = {op: {"passed": 0, "failed": 0, "not implemented": 0, "known failures": 0, "failures": [],
                       "max_abs_error": None, "max_rel_error": None} for op in OPERATIONS + (COMBINED,)}
    failures, skipped, known_passed = [], [], []
    for test in tests:
        if test["outcome"] == "skipped":
            skipped.append({"id": test["id"], "reason": test.get("reason", "")})
            continue
        blamed = blame(test)
        if test["outcome"] in ("failed", "known failure"):
            failures.append({"id": test["id"], "blamed": blamed, "called": test["operations"],
                             "assertion": test["assertion"], **({"known": test["known"]} if "known" in test else {})})
        elif "known" in test:
            known_passed.append({"id": test["id"], "reason": test["known"]})
        for op in blamed:
            _count(operations[op], test)
        for op, (absolute, relative) in test.get("errors", {}).items():  # passing comparisons too
            if op in operations:
                entry = operations[op]
                entry["max_abs_error"] = max(entry["max_abs_error"] or 0.0, absolute)
                entry["max_rel_error"] = max(entry["max_rel_error"] or 0.0, relative)
    for op, entry in operations.items():
        entry["status"] = ("failed" if entry["failed"] else "passed" if entry["passed"] or entry["known failures"]
                           else "not implemented" if entry["not implemented"] or op in missing
                           else "not run")
    failed = [op for op, entry in operations.items() if entry["status"] == "failed"]
    return {"header": header, "operations": operations, "failed": failed, "ok": not failed,
            "failures": failures, "skipped": skipped, "known_failures_passed": known_passed}


def blame(test: dict) -> list[str]:
    """The operations a test counts for: those the contract or an assertion blamed on the way (its
    failure is theirs), else the one operation it called besides the conversions, else each
    conversion of a test of conversions only (a round trip), else "combined"."""
    if test["outcome"] in ("failed", "known failure") and test["blamed"]:
        return test["blamed"]
    used = [op for op in test["operations"] if op not in CONVERSIONS]
    return (used if len(used) == 1 else [COMBINED]) if used else test["operations"] or [COMBINED]


def _count(entry: dict, test: dict) -> None:
    outcome = test["outcome"]
    entry["known failures" if outcome == "known failure" else outcome] += 1
    if outcome == "failed":
        entry["failures"].append(test["id"])
        for key, value in _largest_errors(test["details"]).items():
            entry[key] = value if entry[key] is None else max(entry[key], value)
        entry.setdefault("first_failure", test["assertion"])


def _largest_errors(details: str) -> dict:
    """The largest absolute and relative errors that np.testing.assert_allclose printed."""
    found = {}
    for key, label in (("max_abs_error", "Max absolute difference"), ("max_rel_error", "Max relative difference")):
        values = [float(v) for v in re.findall(label + r"[^:]*:\s*([-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|inf|nan))", details)]
        if values:
            found[key] = max(values)
    return found


def format_report(report: dict) -> str:
    header = report["header"]
    versions = ", ".join(f"{k} {v}" for k, v in header["versions"].items())
    lines = [f"conformance of backend {header['backend']!r}: dtypes {', '.join(header['dtypes'])}; "
             f"native arrays: {header['arrays']}", f"versions: {versions}", f"suite: {header['suite']}",
             *([f"numerics: {header['numerics']}"] if header.get("numerics") else []), "",
             f"{'operation':36} {'status':16} {'passed':>6} {'failed':>6} {'known':>5}  largest error (abs / rel)"]
    for op, entry in report["operations"].items():
        if entry["status"] == "not run":
            continue
        relative = entry["max_rel_error"] if entry["max_rel_error"] is not None else float("nan")
        errors = "" if entry["max_abs_error"] is None else f"{entry['max_abs_error']:.3g} / {relative:.3g}"
        lines.append(f"{op:36} {entry['status']:16} {entry['passed']:6} {entry['failed']:6} "
                     f"{entry.get('known failures', 0):5}  {errors}")
    failures = report.get("failures", [])
    real = [f for f in failures if "known" not in f]
    if real:
        lines += ["", f"failures ({len(real)}):"]
    for failure in real:
        lines += ["", f"FAILED {failure['id']}", f"    counted for: {', '.join(failure['blamed'])}; "
                                                  f"operations called: {', '.join(failure['called']) or 'none'}"]
        shown = failure["assertion"].splitlines() or ["(no assertion message)"]
        lines += ["    " + line for line in shown[:SHOWN_LINES]]
        if len(shown) > SHOWN_LINES:
            lines.append(f"    ... {len(shown) - SHOWN_LINES} more lines in the --json report")
    known = [f for f in failures if "known" in f]
    if known:
        lines += ["", f"known failures, declared by the backend ({len(known)}):"]
        lines += [f"    {f['id']}: {f['known']}" for f in known]
    if report.get("known_failures_passed"):
        lines += ["", "declared known failures that passed (the declaration can go):"]
        lines += [f"    {f['id']}: {f['reason']}" for f in report["known_failures_passed"]]
    skipped = {}
    for test in report.get("skipped", []):
        skipped.setdefault(test["reason"], []).append(test["id"])
    if skipped:
        lines += ["", f"skipped ({sum(map(len, skipped.values()))}):"]
        lines += [f"    {len(ids)} × {reason or 'no reason given'} (e.g. {ids[0]})" for reason, ids in skipped.items()]
    counts = {status: sum(e["status"] == status for e in report["operations"].values())
              for status in ("passed", "failed", "not implemented")}
    not_run = [op for op, entry in report["operations"].items() if entry["status"] == "not run"]
    if not_run:
        lines += ["", f"not run (no test selected): {', '.join(not_run)}"]
    lines += ["", f"{counts['passed']} passed, {counts['failed']} failed, {counts['not implemented']} not implemented: "
                  + verdict(report)]
    return "\n".join(lines)


def verdict(report: dict) -> str:
    """CONFORMS only for a run of the whole suite (or --quick, which leaves out the slow training
    runs and says so); a run narrowed by -k or to some modules that passes is "PASSED (subset: N of
    M tests)"; any failure, "DOES NOT CONFORM"."""
    if not report["ok"]:
        return "DOES NOT CONFORM"
    selection = report.get("selection") or {}
    if selection.get("subset"):
        return f"PASSED (subset: {selection['tests']} of {selection['of']} tests)"
    if selection.get("quick"):
        return f"CONFORMS (quick: {selection['tests']} of {selection['of']} tests; the slow training runs left out)"
    return "CONFORMS"
