"""The conformance report as printed: the header, one row per operation, then every failure with its
assertion and reproduction, the known failures, and the skipped tests grouped by reason."""

from __future__ import annotations

#: Lines of one failure's assertion shown in the printed report (the JSON report has them all).
SHOWN_LINES = 40


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
