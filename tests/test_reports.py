#!/usr/bin/env python3
"""Checks the report formats of `archport scan` against their contracts.

Scans a small temporary tree with x86 constructs, hostile text (a '|', a
<script> tag, backticks) and invalid UTF-8, in every format, then checks:
SARIF against the OASIS 2.1.0 schema and against the JSON report; the JSON
report against the SPEC contract; that HTML and markdown escape what they
copy from the tree; the root causes (grouping, fix order, ids) on a second
tree; the text report's summary, hidden notes, --quiet and --color.
Prints "N passed, M failed" last; exits 1 on failure.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# ARCHPORT_BIN runs the tests against another build (e.g. a sanitizer one).
BIN = os.environ.get("ARCHPORT_BIN", os.path.join(REPO, "bin", "archport"))
SCHEMA = os.path.normpath(os.path.join(REPO, "..", "shared", "data",
                                       "sarif-schema-2.1.0.json"))
ROOT_NAME = "my proj"          # a space, so URIs must be percent-encoded
FORMATS = ("json", "sarif", "markdown", "html")
SEVERITIES = ("error", "warning", "note")

# The tree: file name -> bytes. Line 2 of evil.c holds a '|', backticks, a
# <script> tag and invalid UTF-8 on the same line as an x86 intrinsic, so
# the source line a report shows for it is hostile.
TREE = {
    "src/cpu.c": (
        b"#include <immintrin.h>\n"
        b"void cpu_id(unsigned *a, unsigned *b, unsigned *c, unsigned *d)\n"
        b"{\n"
        b"\t__asm__ volatile(\"cpuid\" : \"=a\"(*a), \"=b\"(*b), \"=c\"(*c),"
        b" \"=d\"(*d) : \"a\"(0));\n"
        b"}\n"),
    "src/evil.c": (
        b"/* caf\xc3\xa9 \xff\xfe broken \xed\xa0\x80 bytes */\n"
        b"unsigned long long t(void) { static const char s[] = "
        b"\"a|b `c` <script>alert(1)</script> & 'q'\"; (void)s;"
        b" return __rdtsc(); /* \xff\xc3 */ }\n"),
    "src/gated.c": (
        b"#if defined(__x86_64__)\n"
        b"static inline void relax(void) { __asm__ volatile(\"pause\"); }\n"
        b"#endif\n"),
    "lib dir/simd.c": (
        b"#include <xmmintrin.h>\n"
        b"__m128 add4(__m128 a, __m128 b) { return _mm_add_ps(a, b); }\n"),
    "src/clean.c": b"int answer(void) { return 42; }\n",
}
CLEAN_TREE = {"ok.c": b"int main(void) { return 0; }\n"}

# Root causes: one x86 header whose intrinsics one file uses (one cause of
# 1 + N findings), and a header with x86 asm that three files include (its
# cause must come first: they depend on it), and a gated note.
SIMD_LINE = (b"    _mm_storeu_ps(y, _mm_add_ps(_mm_loadu_ps(y),"
             b" _mm_mul_ps(_mm_set1_ps(a), _mm_loadu_ps(x))));\n")
CAUSE_TREE = {
    "include/plat.h": (
        b"#ifndef PLAT_H\n#define PLAT_H\n"
        b"static inline void relax(void) { __asm__ volatile(\"pause\"); }\n"
        b"#endif\n"),
    "src/simd.c": (
        b"#include <immintrin.h>\n"
        b"void axpy(float *y, const float *x, float a) {\n" + SIMD_LINE + b"}\n"),
    "src/gated.c": (
        b"#if defined(__x86_64__)\n"
        b"static inline void nap(void) { __asm__ volatile(\"pause\"); }\n"
        b"#endif\n"),
}
# A crate another crate depends on (a Cargo path dependency) is fixed first,
# though the dependent has more errors.
CRATE_TREE = {
    "Cargo.toml": b'[workspace]\nmembers = ["base", "app"]\n',
    "base/Cargo.toml": b'[package]\nname = "base"\nversion = "0.1.0"\nedition = "2021"\n',
    "base/src/lib.rs": b'pub fn relax() {\n    unsafe { core::arch::asm!("pause") }\n}\n',
    "app/Cargo.toml": (b'[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n'
                       b'[dependencies]\nbase = { path = "../base" }\n'),
    "app/src/lib.rs": (b'pub fn stop() {\n    unsafe { core::arch::asm!("cli") }\n'
                       b'    unsafe { core::arch::asm!("sti") }\n}\n'
                       b'pub fn go() { base::relax() }\n'),
}
# x86 names whose header a tree header brings (simdcomp): the file's x86
# code is one cause, not one per name.
KERNEL_LINES = (b"    __m128i v = _mm_add_epi32(_mm_loadu_si128(p), _mm_set1_epi32(1));\n"
                b"    _mm_storeu_si128(p, v);\n")
CAUSE_TREE["include/vec.h"] = b"#include <emmintrin.h>\n"
CAUSE_TREE["src/kernel.c"] = (b'#include "../include/vec.h"\n'
                              b"void bump(__m128i *p) {\n" + KERNEL_LINES + b"}\n")
for _name in ("a", "b", "c"):
    CAUSE_TREE["src/%s.c" % _name] = (
        b'#include "../include/plat.h"\nvoid %s(void) { relax(); }\n'
        % _name.encode())


def write_tree(base, tree):
    for name, data in tree.items():
        path = os.path.join(base, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def run(args, cwd):
    return subprocess.run([BIN] + args, cwd=cwd, capture_output=True,
                          timeout=300)


def rule_ids():
    """The rule ids the registry defines, from analyzer/rules.h."""
    with open(os.path.join(REPO, "analyzer", "rules.h")) as f:
        return set(re.findall(r'#define\s+RULE_\w+\s+"([^"]+)"', f.read()))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Scans:
    """Runs every scan once; the tests read the results."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.root = os.path.join(tmp, ROOT_NAME)
        write_tree(self.root, TREE)
        self.clean_root = os.path.join(tmp, "clean")
        write_tree(self.clean_root, CLEAN_TREE)
        self.out = {}
        for fmt in FORMATS:
            self.out[fmt] = run(["scan", ROOT_NAME, "--format", fmt], tmp)
        self.sarif_file = os.path.join(tmp, "report.sarif")
        self.sarif_o = run(["scan", ROOT_NAME, "--format", "sarif",
                            "-o", self.sarif_file], tmp)
        self.clean = {fmt: run(["scan", "clean", "--format", fmt], tmp)
                      for fmt in FORMATS}
        write_tree(os.path.join(tmp, "causes"), CAUSE_TREE)
        self.causes = {fmt: run(["scan", "causes", "--format", fmt], tmp)
                       for fmt in ("json", "markdown")}
        write_tree(os.path.join(tmp, "crates"), CRATE_TREE)
        self.crates = run(["scan", "crates", "--format", "json"], tmp)
        self.two_roots = run(["scan", "causes", "crates", "--format", "json"], tmp)

    def causes_json(self):
        return json.loads(self.causes["json"].stdout.decode("utf-8"))

    def text(self, fmt, clean=False):
        proc = (self.clean if clean else self.out)[fmt]
        return proc.stdout.decode("utf-8")  # strict: must be valid UTF-8

    def json(self, clean=False):
        return json.loads(self.text("json", clean))

    def sarif(self, clean=False):
        return json.loads(self.text("sarif", clean))


# --- JSON -----------------------------------------------------------------

FINDING_TYPES = {"rule": str, "severity": str, "file": str, "line": int,
                 "column": int, "end_line": int, "end_column": int,
                 "message": str, "fix": str}


def check_json_shape(doc, root):
    for key in ("schema", "tool", "target", "root", "summary", "findings"):
        check(key in doc, "json: missing key %r" % key)
    check(doc["schema"] == "archport-report/1", "json: schema %r" % doc["schema"])
    check(doc["tool"].get("name") == "archport", "json: tool.name")
    check(isinstance(doc["tool"].get("version"), str), "json: tool.version")
    check(doc["target"] == "aarch64", "json: target %r" % doc["target"])
    check(doc["root"] == root, "json: root %r, expected %r" % (doc["root"], root))
    summary = doc["summary"]
    for key in ("files", "lines", "errors", "warnings", "notes"):
        check(type(summary.get(key)) is int and summary[key] >= 0,
              "json: summary.%s must be a non-negative integer" % key)
    check(isinstance(doc["findings"], list), "json: findings is not a list")


def check_finding(f, base):
    for key, typ in FINDING_TYPES.items():
        check(key in f, "json: finding without %r: %r" % (key, f))
        check(type(f[key]) is typ, "json: %s is not %s: %r"
              % (key, typ.__name__, f))
    check(re.fullmatch(r"[a-z0-9]+/[a-z0-9-]+", f["rule"]),
          "json: bad rule id %r" % f["rule"])
    check(f["severity"] in SEVERITIES, "json: bad severity %r" % f["severity"])
    path = f["file"]
    check(path and not path.startswith("/") and "\\" not in path
          and not path.startswith("./")
          and ".." not in path.split("/"),
          "json: file must be relative with '/' separators: %r" % path)
    check(os.path.exists(os.path.join(base, *path.split("/"))),
          "json: file %r is not in the scanned tree" % path)
    for key in ("line", "column", "end_line", "end_column"):
        check(f[key] >= 0, "json: negative %s: %r" % (key, f))
    check(f["message"], "json: empty message: %r" % f)


def test_json_contract(s):
    doc = s.json()
    check_json_shape(doc, ROOT_NAME)
    for f in doc["findings"]:
        check_finding(f, s.root)
    counts = {sev: sum(f["severity"] == sev for f in doc["findings"])
              for sev in SEVERITIES}
    summary = doc["summary"]
    check((summary["errors"], summary["warnings"], summary["notes"])
          == (counts["error"], counts["warning"], counts["note"]),
          "json: summary %r does not match the findings %r" % (summary, counts))
    check(summary["files"] >= 1 and summary["lines"] >= 1,
          "json: summary counts no files or lines: %r" % summary)
    ranks = [SEVERITIES.index(f["severity"]) for f in doc["findings"]]
    check(ranks == sorted(ranks), "json: findings are not ordered errors first")


def test_json_expected_findings(s):
    found = {(f["file"], f["rule"], f["severity"]) for f in s.json()["findings"]}
    for want in (("src/cpu.c", "c/header-x86", "error"),
                 ("src/evil.c", "c/intrinsic-x86", "error"),
                 ("lib dir/simd.c", "c/header-x86", "error"),
                 ("src/gated.c", "c/gated-x86", "note")):
        check(want in found, "json: expected finding %r; have %r"
              % (want, sorted(found)))
    check(not any(f == "src/clean.c" for f, _, _ in found),
          "json: findings in src/clean.c")


def test_exit_status(s):
    for fmt in FORMATS:
        rc = s.out[fmt].returncode
        check(rc == 1, "%s: exit status %d with errors found, expected 1" % (fmt, rc))
        check(s.clean[fmt].returncode == 0,
              "%s: exit status %d on a clean tree, expected 0"
              % (fmt, s.clean[fmt].returncode))
    never = run(["scan", ROOT_NAME, "--fail-on", "never", "--format", "json"],
                s.tmp)
    check(never.returncode == 0, "--fail-on never: exit %d" % never.returncode)
    bad = run(["scan", ROOT_NAME, "--format", "no-such-format"], s.tmp)
    check(bad.returncode == 2, "bad --format: exit %d, expected 2" % bad.returncode)


def test_target_riscv64(s):
    proc = run(["scan", ROOT_NAME, "--target", "riscv64", "--format", "json"],
               s.tmp)
    doc = json.loads(proc.stdout.decode("utf-8"))
    check(doc["target"] == "riscv64", "json: target %r" % doc["target"])
    sarif = json.loads(run(["scan", ROOT_NAME, "--target", "riscv64",
                            "--format", "sarif"], s.tmp).stdout)
    check(sarif["runs"][0]["properties"]["target"] == "riscv64",
          "sarif: properties.target for --target riscv64")


def test_utf8_everywhere(s):
    for fmt in FORMATS:
        for clean in (False, True):
            try:
                s.text(fmt, clean)
            except UnicodeDecodeError as e:
                raise AssertionError("%s output is not valid UTF-8: %s" % (fmt, e))


# --- SARIF ----------------------------------------------------------------

def schema_errors(doc):
    import jsonschema
    with open(SCHEMA) as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    return ["%s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path))
            for e in validator.iter_errors(doc)]


def test_sarif_schema(s):
    if not os.path.exists(SCHEMA):
        print("SKIP test_sarif_schema: %s not found" % SCHEMA)
        return "skip"
    for doc, what in ((s.sarif(), "sarif"), (s.sarif(clean=True), "clean sarif")):
        errors = schema_errors(doc)
        check(not errors, "%s: schema violations: %s" % (what, errors[:5]))


def sarif_run(doc):
    check(doc.get("version") == "2.1.0", "sarif: version %r" % doc.get("version"))
    check(isinstance(doc.get("$schema"), str), "sarif: no $schema")
    check(len(doc.get("runs", [])) == 1, "sarif: expected one run")
    return doc["runs"][0]


def check_sarif_rules(run_, version):
    driver = run_["tool"]["driver"]
    check(driver.get("name") == "archport", "sarif: driver name")
    check(driver.get("version") == version, "sarif: driver version %r, json %r"
          % (driver.get("version"), version))
    rules = driver.get("rules", [])
    ids = [r["id"] for r in rules]
    check(len(ids) == len(set(ids)), "sarif: duplicate rule ids")
    check(set(ids) == rule_ids(), "sarif: rules %r differ from analyzer/rules.h %r"
          % (sorted(ids), sorted(rule_ids())))
    for r in rules:
        check(r.get("shortDescription", {}).get("text"),
              "sarif: rule %s without shortDescription" % r["id"])
        check(r.get("defaultConfiguration", {}).get("level") in SEVERITIES,
              "sarif: rule %s level" % r["id"])
        page = os.path.join(REPO, "docs", "rules", r["id"].replace("/", "-", 1) + ".md")
        check(os.path.exists(page), "sarif: rule %s has no page %s" % (r["id"], page))
        with open(page, encoding="utf-8") as f:
            doc = f.read()
        check(r.get("help", {}).get("text") == doc,
              "sarif: rule %s help.text is not %s" % (r["id"], page))
        check(r.get("fullDescription", {}).get("text") == page_introduction(doc),
              "sarif: rule %s fullDescription %r is not the introduction of %s"
              % (r["id"], r.get("fullDescription"), page))
        # helpUri: the page itself (file: URI of the docs it was built from)
        uri = urllib.parse.urlparse(r.get("helpUri", ""))
        check(uri.scheme == "file" and os.path.basename(uri.path) == os.path.basename(page),
              "sarif: rule %s helpUri %r" % (r["id"], r.get("helpUri")))
        with open(urllib.parse.unquote(uri.path), encoding="utf-8") as f:
            check(f.read() == doc, "sarif: rule %s helpUri is another page" % r["id"])
    return rules


def page_introduction(doc):
    """A rule page's text between its '# id' title and its first '## '
    section: what the rule reports and its severity."""
    lines = doc.split("\n")
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    intro = []
    for line in lines:
        if line.startswith("## "):
            break
        intro.append(line)
    return "\n".join(intro).strip("\n")


def check_srcroot(run_, root):
    uri = run_["originalUriBaseIds"]["SRCROOT"]["uri"]
    check(uri.startswith("file:///") and uri.endswith("/"),
          "sarif: SRCROOT %r must be a file URI ending in '/'" % uri)
    check(" " not in uri, "sarif: SRCROOT %r is not percent-encoded" % uri)
    path = urllib.parse.unquote(urllib.parse.urlparse(uri).path)
    check(path == os.path.realpath(root) + "/",
          "sarif: SRCROOT %r is not %r" % (path, os.path.realpath(root)))


def check_result(res, rules, by_key):
    rule_id = res["ruleId"]
    check(rules[res["ruleIndex"]]["id"] == rule_id,
          "sarif: ruleIndex does not point at %s" % rule_id)
    check(res["level"] in SEVERITIES, "sarif: level %r" % res["level"])
    check(res["message"]["text"], "sarif: empty message")
    loc = res["locations"][0]["physicalLocation"]
    art = loc["artifactLocation"]
    check(art.get("uriBaseId") == "SRCROOT", "sarif: uriBaseId %r" % art.get("uriBaseId"))
    uri = art["uri"]
    check(not uri.startswith("/") and ":" not in uri and " " not in uri
          and "\\" not in uri, "sarif: uri %r must be relative and encoded" % uri)
    region = loc.get("region", {})
    key = (rule_id, res["level"], urllib.parse.unquote(uri),
           region.get("startLine", 0))
    check(by_key.get(key), "sarif: result %r has no JSON finding" % (key,))
    f = by_key[key].pop()
    check(("startColumn" in region) == (f["column"] > 0),
          "sarif: startColumn present iff column > 0: %r" % (key,))
    check(res.get("properties", {}).get("cause") == f.get("cause"),
          "sarif: result %r has cause %r, the JSON finding %r"
          % (key, res.get("properties", {}).get("cause"), f.get("cause")))


def test_sarif_matches_json(s):
    doc, report = s.sarif(), s.json()
    run_ = sarif_run(doc)
    rules = check_sarif_rules(run_, report["tool"]["version"])
    check_srcroot(run_, s.root)
    check(run_.get("properties", {}).get("target") == "aarch64",
          "sarif: properties.target")
    results = run_["results"]
    check(len(results) == len(report["findings"]),
          "sarif: %d results, json %d findings"
          % (len(results), len(report["findings"])))
    by_key = {}  # findings may share rule, file and line: keep them all
    for f in report["findings"]:
        key = (f["rule"], f["severity"], f["file"], f["line"])
        by_key.setdefault(key, []).append(f)
    for res in results:
        check_result(res, rules, by_key)
    # the root causes, in fix order, as the JSON report has them
    check(run_.get("properties", {}).get("causes") == report["causes"],
          "sarif: run properties.causes differ from the JSON causes")
    check(report["causes"], "sarif: the test tree has no causes")


def test_sarif_docs_url(s):
    doc = json.loads(run(["scan", ROOT_NAME, "--format", "sarif", "--docs-url",
                          "https://example.org/archport/docs"], s.tmp).stdout)
    for r in doc["runs"][0]["tool"]["driver"]["rules"]:
        want = "https://example.org/archport/docs/%s.md" % r["id"].replace("/", "-", 1)
        check(r.get("helpUri") == want, "sarif --docs-url: %s helpUri %r, want %r"
              % (r["id"], r.get("helpUri"), want))


# Two identical lines with x86 asm in one file (two alerts that must stay
# two), and a file whose lines move.
MOVE_TREE = {
    "src/spin.c": (b"void spin(void)\n{\n"
                   b"\t__asm__ volatile(\"pause\");\n"
                   b"\t__asm__ volatile(\"pause\");\n"
                   b"\t__asm__ volatile(\"lfence\");\n}\n"),
    "src/time.c": b"#include <x86intrin.h>\nunsigned long long now(void) { return __rdtsc(); }\n",
}


def sarif_fingerprints(tmp, name):
    doc = json.loads(run(["scan", name, "--format", "sarif"], tmp).stdout)
    out = {}
    for res in doc["runs"][0]["results"]:
        fp = res.get("partialFingerprints", {}).get("archport/v1")
        check(isinstance(fp, str) and fp, "sarif: result without partialFingerprints: %r" % res)
        check(fp not in out, "sarif: fingerprint %s given twice" % fp)
        region = res["locations"][0]["physicalLocation"].get("region", {})
        out[fp] = (res["ruleId"], res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                   region.get("startLine"))
    return out


def test_sarif_fingerprints_follow_moves(s):
    base = os.path.join(s.tmp, "moves")
    write_tree(base, MOVE_TREE)
    before = sarif_fingerprints(s.tmp, "moves")
    check(sum(1 for v in before.values() if v[1] == "src/spin.c") == 3,
          "sarif: spin.c's three asm lines are not three results: %r" % before)
    # Three lines above everything, spin.c reindented with spaces.
    moved = dict(MOVE_TREE)
    moved["src/spin.c"] = b"/* a\n * b\n */\n" + MOVE_TREE["src/spin.c"].replace(b"\t", b"    ")
    moved["src/time.c"] = b"/* a\n * b\n */\n" + MOVE_TREE["src/time.c"]
    write_tree(base, moved)
    after = sarif_fingerprints(s.tmp, "moves")
    check(set(after) == set(before), "sarif: fingerprints changed when lines moved: %r -> %r"
          % (before, after))
    for fp, (rule, uri, line) in before.items():
        check(after[fp] == (rule, uri, line + 3), "sarif: %s was %r, now %r" % (fp, before[fp], after[fp]))
    # A changed instruction is another alert; the rest keep theirs.
    changed = dict(moved)
    changed["src/spin.c"] = moved["src/spin.c"].replace(b"lfence", b"mfence")
    write_tree(base, changed)
    again = sarif_fingerprints(s.tmp, "moves")
    lfence = [fp for fp, v in after.items() if v[1] == "src/spin.c" and v[2] == 8]
    check(len(lfence) == 1 and lfence[0] not in again, "sarif: the changed line kept its fingerprint")
    check(set(after) - set(lfence) <= set(again), "sarif: unchanged lines lost their fingerprints")


def test_sarif_output_file(s):
    check(s.sarif_o.returncode == 1, "-o: exit %d" % s.sarif_o.returncode)
    check(s.sarif_o.stdout == b"", "-o: report also written to stdout")
    with open(s.sarif_file, "rb") as f:
        doc = json.loads(f.read().decode("utf-8"))
    check(len(doc["runs"][0]["results"]) == len(s.sarif()["runs"][0]["results"]),
          "-o: file differs from the stdout report")


def test_empty_reports(s):
    report = s.json(clean=True)
    check_json_shape(report, "clean")
    check(report["findings"] == [], "clean: findings %r" % report["findings"])
    summary = report["summary"]
    check((summary["errors"], summary["warnings"], summary["notes"]) == (0, 0, 0),
          "clean: summary %r" % summary)
    run_ = sarif_run(s.sarif(clean=True))
    check(run_["results"] == [], "clean sarif: results %r" % run_["results"])
    check(len(run_["tool"]["driver"]["rules"]) == len(rule_ids()),
          "clean sarif: the rules must be listed even without results")
    md = s.text("markdown", clean=True)
    check(md.startswith("# archport: aarch64 porting report for clean"),
          "clean markdown: title %r" % md.splitlines()[:1])
    check(len(finding_tables(md)) == 0, "clean markdown: finding rows")
    check(s.text("html", clean=True).lstrip().lower().startswith("<!doctype html"),
          "clean html: not an HTML page")


# --- root causes -----------------------------------------------------------

def causes_by_id(doc):
    return {c["id"]: c for c in doc["causes"]}


def members(doc, cause_id):
    return [f for f in doc["findings"] if f["cause"] == cause_id]


def test_cause_ids_resolve(s):
    for doc in (s.json(), s.causes_json()):
        by_id = causes_by_id(doc)
        check(len(by_id) == len(doc["causes"]), "json: duplicate cause ids")
        for f in doc["findings"]:
            check(f.get("cause") in by_id, "json: finding without a known cause: %r" % f)
        for c in doc["causes"]:
            found = members(doc, c["id"])
            check(c["count"] == len(found) and found,
                  "json: cause %s counts %d, %d findings point to it"
                  % (c["id"], c["count"], len(found)))
            for sev in SEVERITIES:
                check(c[sev + "s"] == sum(f["severity"] == sev for f in found),
                      "json: cause %s %ss" % (c["id"], sev))
            check(c["files"] == sorted(set(c["files"]), key=c["files"].index)
                  and set(c["files"]) == {f["file"] for f in found},
                  "json: cause %s files %r" % (c["id"], c["files"]))
            first = c["first"]
            check((first["file"], first["line"], first["column"])
                  == (found[0]["file"], found[0]["line"], found[0]["column"]),
                  "json: cause %s first %r" % (c["id"], first))
        check([c["order"] for c in doc["causes"]]
              == list(range(1, len(doc["causes"]) + 1)), "json: cause order")


def test_cause_header_and_intrinsics(s):
    """One cause: the #include <immintrin.h> and every intrinsic use of
    the file, whose places the test finds in the source it wrote."""
    doc = s.causes_json()
    simd = [f for f in doc["findings"] if f["file"] == "src/simd.c"]
    header = [f for f in simd if f["rule"] == "c/header-x86"]
    check(len(header) == 1 and header[0]["line"] == 1,
          "causes: want one c/header-x86 at src/simd.c:1, have %r" % header)
    cause = causes_by_id(doc)[header[0]["cause"]]
    check("immintrin.h" in cause["title"], "causes: title %r" % cause["title"])
    want = {(3, m.start() + 1) for m in re.finditer(rb"_mm_\w+", SIMD_LINE)}
    got = {(f["line"], f["column"]) for f in members(doc, cause["id"])
           if f["rule"] == "c/intrinsic-x86"}
    check(got == want, "causes: intrinsics of the header's cause %r, want %r"
          % (sorted(got), sorted(want)))
    check(cause["count"] == len(want) + 1 == len(simd),
          "causes: count %d, want %d (1 header + %d intrinsics), file has %d"
          % (cause["count"], len(want) + 1, len(want), len(simd)))


def test_cause_names_through_a_tree_header(s):
    """Every x86 name of src/kernel.c (its header comes through
    include/vec.h) is in one cause rooted at the file."""
    doc = s.causes_json()
    kernel = [f for f in doc["findings"] if f["file"] == "src/kernel.c"]
    text = b"void bump(__m128i *p) {\n" + KERNEL_LINES
    want = {(i + 2, m.start() + 1) for i, line in enumerate(text.split(b"\n"))
            for m in re.finditer(rb"_mm_\w+|__m128i", line)}
    got = {(f["line"], f["column"]) for f in kernel}
    check(got == want, "causes: kernel.c findings at %r, want %r" % (sorted(got), sorted(want)))
    ids = {f["cause"] for f in kernel}
    check(len(ids) == 1, "causes: kernel.c's x86 names in %d causes, want 1" % len(ids))
    cause = causes_by_id(doc)[ids.pop()]
    check(cause["root_file"] == "src/kernel.c" and cause["count"] == len(want),
          "causes: kernel.c cause %r" % cause)


def test_cause_order(s):
    """The header three files include comes before the file with more errors."""
    doc = s.causes_json()
    first = doc["causes"][0]
    check(first["root_file"] == "include/plat.h" and first["blocks"] == 3,
          "causes: first cause %r, want include/plat.h with 3 dependents" % first)
    simd = [c for c in doc["causes"] if c["root_file"] == "src/simd.c"]
    check(simd and simd[0]["errors"] > first["errors"],
          "causes: the test wants the header first despite fewer errors: %r" % simd)
    notes = [c for c in doc["causes"] if c["severity"] == "note"]
    check(notes and doc["causes"][-len(notes):] == notes,
          "causes: note-only causes are not last")


def test_cause_order_crates(s):
    doc = json.loads(s.crates.stdout.decode("utf-8"))
    files = [c["root_file"] for c in doc["causes"]]
    app = [f for f in doc["findings"] if f["file"] == "app/src/lib.rs"]
    check(len(app) == 2 and files and files[0] == "base/src/lib.rs"
          and doc["causes"][0]["blocks"] == 1,
          "causes: the crate app depends on is not first: %r, app has %d findings"
          % (doc["causes"], len(app)))


def test_causes_two_roots(s):
    """With two roots, causes name their files under the root's name."""
    doc = json.loads(s.two_roots.stdout.decode("utf-8"))
    by_id = causes_by_id(doc)
    check(all(f["cause"] in by_id for f in doc["findings"]), "two roots: unresolved cause")
    first = doc["causes"][0]
    check(first["root_file"] == "causes/include/plat.h" and "causes/include/plat.h" in first["title"]
          and first["blocks"] == 3, "two roots: first cause %r" % first)
    check(any(c["root_file"] == "crates/base/src/lib.rs" and c["blocks"] == 1 for c in doc["causes"]),
          "two roots: the crate cause lost its dependents")


def test_markdown_causes(s):
    md, doc = s.causes["markdown"].stdout.decode("utf-8"), s.causes_json()
    check(md.count("<details><summary>") == len(doc["causes"]) == md.count("</details>"),
          "markdown: %d <details>, %d causes" % (md.count("<details>"), len(doc["causes"])))
    titles = re.findall(r"<details><summary>(\d+)\. ([^<]*)</summary>", md)
    check([int(n) for n, _ in titles] == [c["order"] for c in doc["causes"]],
          "markdown: causes not in fix order")
    check("immintrin.h" in md and "## By rule" in md and "## By top-level directory" in md,
          "markdown: summary sections missing")


# --- text -----------------------------------------------------------------

def text_scan(s, *args, env=None):
    proc = subprocess.run([BIN, "scan", "causes"] + list(args), cwd=s.tmp,
                          capture_output=True, timeout=300, env=env)
    return proc.stdout.decode("utf-8")


def test_text_summary_and_notes(s):
    doc = s.causes_json()
    notes = doc["summary"]["notes"]
    check(notes >= 1, "text: the cause tree should have a note")
    out = text_scan(s)
    lines = out.splitlines()
    check(lines[0] == "Summary:", "text: the summary does not come first: %r" % lines[:2])
    head = out.split("\n\n")[0]
    for want in ("By rule:", "c/intrinsic-x86", "By top-level directory", "src/", "include/",
                 "Fix first", "x86 header <immintrin.h>"):
        check(want in head, "text: summary lacks %r:\n%s" % (want, head))
    fix_lines = [l for l in head.splitlines() if re.match(r"\s+\d+\. ", l)]
    check(fix_lines and "include/plat.h" in fix_lines[0],
          "text: first cause is not the shared header: %r" % fix_lines[:1])
    check(": note: " not in out, "text: notes listed by default")
    check("%d note%s not listed" % (notes, "" if notes == 1 else "s") in out
          and "--show-notes" in out, "text: no count of hidden notes")
    errors = sum(": error: " in l for l in lines)
    check(errors == doc["summary"]["errors"], "text: %d error lines, json %d"
          % (errors, doc["summary"]["errors"]))
    for flag in ("--show-notes", "-v", "--verbose"):
        shown = text_scan(s, flag)
        count = sum(": note: " in l for l in shown.splitlines())
        check(count == notes and "not listed" not in shown,
              "text %s: %d note lines, json %d" % (flag, count, notes))


def test_text_quiet(s):
    doc = s.causes_json()
    for flag in ("--quiet", "-q"):
        out = text_scan(s, flag)
        summary = doc["summary"]
        check(out.splitlines() == ["%d errors, %d warnings, %d note%s in %d files (%d lines) for aarch64"
                                   % (summary["errors"], summary["warnings"], summary["notes"],
                                      "" if summary["notes"] == 1 else "s", summary["files"],
                                      summary["lines"])],
              "text %s: %r" % (flag, out))


def test_text_color(s):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    check("\033[" not in text_scan(s, "--color", "never", env=env), "--color never: ESC bytes")
    check("\033[" not in text_scan(s, "--color=never", env=env), "--color=never: ESC bytes")
    check("\033[" in text_scan(s, "--color", "always", env=env), "--color always: no ESC bytes")
    check("\033[" not in text_scan(s, env=env), "--color auto to a pipe: ESC bytes")
    bad = subprocess.run([BIN, "scan", "causes", "--color", "blue"], cwd=s.tmp,
                         capture_output=True, timeout=60)
    check(bad.returncode == 2 and b"--color" in bad.stderr, "--color blue: exit %d" % bad.returncode)


# --- markdown -------------------------------------------------------------

def split_cells(line):
    """Cells of a table row; a backslash escapes the next character."""
    cells, cur, i = [], "", 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            cur += line[i:i + 2]
            i += 2
            continue
        if line[i] == "|":
            cells.append(cur)
            cur = ""
        else:
            cur += line[i]
        i += 1
    cells.append(cur)
    check(cells[0].strip() == "" and cells[-1].strip() == "",
          "markdown: row does not start and end with '|': %r" % line)
    return [c.strip() for c in cells[1:-1]]


def tables(md):
    """Lists of rows (lists of cells) for each block of '|' lines."""
    out, block = [], []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            out.append(block)
            block = []
    parsed = []
    for block in out:
        check(len(block) >= 2 and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", block[1]),
              "markdown: table without a delimiter row: %r" % block[:2])
        rows = [split_cells(line) for i, line in enumerate(block) if i != 1]
        width = len(rows[0])
        check(len(split_cells(block[1])) == width,
              "markdown: delimiter row width: %r" % block[1])
        for row in rows:
            check(len(row) == width, "markdown: %d cells, header has %d: %r"
                  % (len(row), width, row))
        parsed.append(rows)
    return parsed


def finding_tables(md):
    return [t for t in tables(md) if t[0][:3] == ["File", "Line", "Rule"]]


def test_markdown(s):
    md, report = s.text("markdown"), s.json()
    check(md.startswith("# archport: aarch64 porting report for " + ROOT_NAME),
          "markdown: title %r" % md.splitlines()[:1])
    all_tables = tables(md)
    summary = all_tables[0]
    check([c.lower() for c in summary[0]]
          == ["files", "lines", "errors", "warnings", "notes"],
          "markdown: summary header %r" % summary[0])
    want = [str(report["summary"][k])
            for k in ("files", "lines", "errors", "warnings", "notes")]
    check(summary[1] == want, "markdown: summary %r, json %r" % (summary[1], want))
    found = finding_tables(md)
    for t in found:
        check(t[0] == ["File", "Line", "Rule", "Problem", "Fix"],
              "markdown: finding table header %r" % t[0])
    rows = sum(len(t) - 1 for t in found)
    check(rows == len(report["findings"]),
          "markdown: %d rows, json %d findings" % (rows, len(report["findings"])))
    check("<script" not in md.lower(), "markdown: raw <script> from the input")


# --- HTML -----------------------------------------------------------------

SAFE_TAGS = {"html", "head", "meta", "title", "style", "body", "header",
             "main", "section", "details", "summary", "h1", "h2", "h3", "p",
             "div", "span", "strong", "b", "em", "code", "pre", "mark", "br",
             "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "a",
             "footer", "nav", "small", "abbr",
             # the charts (inline SVG) and the filter (a form and one inline script)
             "figure", "figcaption", "svg", "g", "rect", "text", "form", "fieldset",
             "legend", "label", "input", "select", "option", "output", "script"}


class PageParser(html.parser.HTMLParser):
    """The page's tags, its text outside <script> and <style>, its URLs, and
    the attributes of every <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.urls, self.scripts = set(), [], [], []
        self.raw = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.urls.append(value)
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag in ("script", "style"):
            self.raw = tag

    def handle_endtag(self, tag):
        if tag == self.raw:
            self.raw = None

    def handle_data(self, data):
        if not self.raw:
            self.text.append(data)


def test_html(s):
    page, report = s.text("html"), s.json()
    check(page.lstrip().lower().startswith("<!doctype html"), "html: no doctype")
    parser = PageParser()
    parser.feed(page)
    parser.close()
    # One inline script, archport's own filter (tests/test_html.py runs it in
    # Chromium); none from the tree, whose <script> must stay text.
    check(page.lower().count("<script") == 1 and parser.scripts == [{}],
          "html: %d <script> tags %r" % (page.lower().count("<script"), parser.scripts))
    check(parser.tags <= SAFE_TAGS, "html: unexpected tags %r"
          % sorted(parser.tags - SAFE_TAGS))
    check(not parser.urls, "html: external resources %r" % parser.urls)
    text = "".join(parser.text)
    for f in report["findings"]:
        check(f["file"] in text, "html: file %r not shown" % f["file"])
    if "alert(1)" in page:
        check("<script>alert(1)</script>" in text,
              "html: the source line was not escaped back to its text")


TESTS = [test_json_contract, test_json_expected_findings, test_exit_status,
         test_target_riscv64, test_utf8_everywhere, test_sarif_schema,
         test_sarif_matches_json, test_sarif_docs_url, test_sarif_fingerprints_follow_moves,
         test_sarif_output_file, test_empty_reports,
         test_markdown, test_html, test_cause_ids_resolve,
         test_cause_header_and_intrinsics, test_cause_names_through_a_tree_header,
         test_cause_order, test_cause_order_crates,
         test_causes_two_roots, test_markdown_causes,
         test_text_summary_and_notes, test_text_quiet, test_text_color]


def main():
    if not os.access(BIN, os.X_OK):
        print("%s not found: run make first" % BIN, file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="archport-reports-")
    passed = failed = 0
    try:
        scans = Scans(tmp)
        for test in TESTS:
            try:
                if test(scans) != "skip":
                    passed += 1
                    print("ok   %s" % test.__name__)
            except Exception as e:  # report every failure, keep going
                failed += 1
                print("FAIL %s: %s: %s" % (test.__name__, type(e).__name__, e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
