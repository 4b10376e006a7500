#!/usr/bin/env python3
"""The HTML report, rendered by a real browser (headless Chromium).

For `scan fixtures`, the reverse port `--target x86_64 fixtures/aarch64-hyp`
and a tree with no findings, the page archport writes is loaded in headless
Chromium (Debian's `chromium`, installed by scripts/setup.sh; the test fails
without it) and the DOM the browser ends with (`--dump-dom`, after the
page's script ran) is checked against the JSON report of the same scan,
computed here independently of the HTML writer:

- the totals (with the suppressed and baseline counts, in a fourth case
  with an `archport: ignore` comment and a --baseline); one SVG bar per top-level directory and per rule with errors
  or warnings, with the counts of the JSON findings (tallied here);
- the causes, in the JSON `causes` order, each with exactly the sites of the
  findings that name it (file, line, column, rule, severity);
- the filter: its controls exist and are shown (the script ran), the rule
  list is the report's rules; with a filter in the URL's #fragment the sites
  that do not match are hidden, those that match are not, and a cause is
  hidden exactly when all its sites are; driven through its form (a test
  script after the page's), it filters and writes the fragment back;
  without the script nothing is hidden;
- the crates with their path dependencies read here from the Cargo.toml
  files (tomllib), their findings counts, and the C directories with at
  least the #include edges a simple resolver finds here;
- a screenshot (1280x2000) that is a real PNG, decoded here with zlib,
  not one colour, showing the chart's error and warning colours;
- the page archport wrote is well formed (balanced tags), references no
  external resource, and is the same bytes on a second run.
Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last; exits 1
on a failure.
"""
import argparse
import collections
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import tomllib
import urllib.parse
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BUILD_FILES = {"Makefile", "makefile", "GNUmakefile", "CMakeLists.txt", "meson.build"}
C_EXTS = (".c", ".h", ".cc", ".cpp", ".hpp", ".S", ".s", ".asm")
ERROR_RGB, WARNING_RGB = (0xcf, 0x22, 0x2e), (0xd4, 0xa7, 0x2c)   # the page's CSS

results = []


def check(name, ok, why=""):
    results.append(bool(ok))
    print(f"ok - {name}" if ok else f"not ok - {name}: {why}")
    return ok


# --- a small DOM --------------------------------------------------------------

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag=None, cls=None, **attrs):
        for n in self.walk():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.attrs.get("class", "").split():
                continue
            if all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                yield n

    def find(self, *a, **k):
        return next(self.find_all(*a, **k), None)

    def hidden(self):
        return "hidden" in self.attrs


class TreeBuilder(html.parser.HTMLParser):
    """Builds the tree; records every end tag that does not close the open element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.at, self.errors = self.root, []

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Node(tag, attrs, self.at))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.at.tag != tag:
            self.errors.append(f"</{tag}> closes <{self.at.tag}> at {self.getpos()}")
            return
        self.at = self.at.parent

    def handle_data(self, data):
        self.at.children.append(data)


def parse(page):
    b = TreeBuilder()
    b.feed(page)
    b.close()
    if b.at is not b.root:
        b.errors.append(f"<{b.at.tag}> never closed")
    return b.root, b.errors


# --- running archport and chromium ---------------------------------------------

def scan(archport, args, fmt, out):
    p = subprocess.run([archport, "scan", *args, "--format", fmt, "--fail-on", "never", "-j", "2", "-o", out],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"archport scan {' '.join(args)} --format {fmt}: exit {p.returncode}: {p.stderr[-400:]}")
    with open(out, "rb") as f:
        return f.read()


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium(work, url, *flags):
    profile = tempfile.mkdtemp(prefix="profile-", dir=work)
    cmd = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           f"--user-data-dir={profile}", *flags, url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    shutil.rmtree(profile, ignore_errors=True)
    if p.returncode != 0:
        raise RuntimeError(f"chromium exit {p.returncode}: {p.stderr[-400:]}")
    return p.stdout


def dump_dom(work, page_path, fragment=""):
    dom, errors = parse(chromium(work, "file://" + urllib.parse.quote(page_path) + fragment, "--dump-dom"))
    return dom


# --- PNG ------------------------------------------------------------------------

def png_rows(path, max_rows):
    """The first max_rows rows of an 8-bit RGB/RGBA PNG as (width, bytes per pixel, [row bytes])."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]:
            raise ValueError(f"bad CRC in {kind!r}")
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = ihdr
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unexpected PNG format {ihdr}")
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompressobj().decompress(b"".join(idat), (stride + 1) * min(max_rows, height))
    rows, prev = [], bytearray(stride)
    for y in range(min(max_rows, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def check_screenshot(name, work, page_path, want_colours):
    shot = os.path.join(work, name + ".png")
    chromium(work, "file://" + urllib.parse.quote(page_path), f"--screenshot={shot}", "--window-size=1280,2000")
    if not check(f"{name}: screenshot written", os.path.exists(shot) and os.path.getsize(shot) > 10000,
                 f"{os.path.getsize(shot) if os.path.exists(shot) else 'no'} bytes"):
        return
    width, height, bpp, rows = png_rows(shot, 900)
    check(f"{name}: screenshot is 1280x2000", (width, height) == (1280, 2000), f"{width}x{height}")
    colours = collections.Counter()
    for row in rows:
        for x in range(0, width * bpp, bpp):
            colours[tuple(row[x:x + 3])] += 1
    check(f"{name}: screenshot is not one colour", len(colours) > 16, f"{len(colours)} colours")
    for label, rgb in want_colours:
        check(f"{name}: the chart's {label} bars are drawn", colours[rgb] > 200,
              f"{colours[rgb]} pixels of {rgb}")


# --- what the JSON report says --------------------------------------------------

def top_dir(file):
    return file.split("/", 1)[0] if "/" in file else "."


def tallies(findings, key):
    t = collections.defaultdict(lambda: [0, 0])
    for f in findings:
        if f["severity"] in ("error", "warning"):
            t[key(f)][f["severity"] == "warning"] += 1
    return {k: tuple(v) for k, v in t.items()}


def site_key(f):
    loc = f["file"]
    if f["line"] > 0:
        loc += f":{f['line']}"
        if f["column"] > 0:
            loc += f":{f['column']}"
    return (loc, f["rule"], f["severity"])


def dom_site_key(li):
    loc = li.find("code", cls="loc")
    return (loc.text() if loc else None, li.attrs.get("data-rule"), li.attrs.get("data-severity"))


# --- the checks -------------------------------------------------------------------

def check_static(name, page, again):
    text = page.decode("utf-8")
    check(f"{name}: deterministic (same bytes twice)", page == again)
    dom, errors = parse(text)
    check(f"{name}: well formed (balanced tags)", not errors, "; ".join(errors[:5]))
    urls = [(n.tag, k, v) for n in dom.walk() for k, v in n.attrs.items()
            if k in ("src", "href", "action", "xlink:href", "srcset", "poster", "data") and v and not v.startswith("#")]
    check(f"{name}: no external resource", not urls and "<link" not in text and "@import" not in text
          and "url(" not in text and not re.search(r"(?:src|href)\s*=\s*['\"]?\s*https?:", text), urls[:5])
    scripts = list(dom.find_all("script"))
    check(f"{name}: one inline script at most, with no src", len(scripts) <= 1 and
          all("src" not in s.attrs for s in scripts), len(scripts))
    check(f"{name}: without the script nothing is hidden but the filter form",
          [n.tag + "#" + n.attrs.get("id", "") for n in dom.walk() if n.hidden()] in ([], ["form#filter"]),
          [n.tag for n in dom.walk() if n.hidden()][:5])
    return dom


def check_totals(name, dom, report):
    s = report["summary"]
    want = {"files": s["files"], "lines": s["lines"], "errors": s["errors"], "warnings": s["warnings"],
            "notes": s["notes"], "causes": len(report["causes"])}
    if s.get("suppressed"):
        want["suppressed"] = s["suppressed"]
    if "baseline" in s:
        want["baseline"] = s["baseline"]
    got = {n.attrs["data-total"]: int(n.text()) for n in dom.find_all("td") if "data-total" in n.attrs}
    check(f"{name}: totals are the JSON summary's", got == want, f"{got} vs {want}")


def check_charts(name, dom, report):
    findings = report["findings"]
    for by, key in (("directory", lambda f: top_dir(f["file"])), ("rule", lambda f: f["rule"])):
        want = tallies(findings, key)
        svg = dom.find("svg", id=f"chart-{by}")
        if not check(f"{name}: the {by} chart is an inline SVG", svg is not None and svg.find("title"),
                     "no <svg id=chart-%s> with a <title>" % by):
            continue
        bars = list(svg.find_all("g", cls="bar"))
        got = {b.attrs["data-name"]: (int(b.attrs["data-errors"]), int(b.attrs["data-warnings"])) for b in bars}
        check(f"{name}: one bar per {by} with errors or warnings ({len(want)})", len(bars) == len(want),
              f"{len(bars)} bars")
        check(f"{name}: the {by} bars count the JSON findings", got == want,
              {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)})
        labels_ok = all(
            b.find("text", cls="count").text() == "%d error%s, %d warning%s" % (
                got[b.attrs["data-name"]][0], "" if got[b.attrs["data-name"]][0] == 1 else "s",
                got[b.attrs["data-name"]][1], "" if got[b.attrs["data-name"]][1] == 1 else "s")
            and b.attrs["data-name"] in b.find("text", cls="label").text()
            and (got[b.attrs["data-name"]][0] == 0) == (b.find("rect", cls="err") is None)
            for b in bars)
        check(f"{name}: each {by} bar has its name and counts as text, and a red part only with errors", labels_ok)


def check_causes(name, dom, report):
    causes = list(dom.find_all("details", cls="cause"))
    ids = [c.attrs.get("data-cause") for c in causes]
    want_ids = [c["id"] for c in report["causes"]]
    check(f"{name}: {len(want_ids)} causes in the JSON order", ids == want_ids,
          f"{ids[:6]}... vs {want_ids[:6]}...")
    by_cause = collections.defaultdict(list)
    for f in report["findings"]:
        by_cause[f.get("cause")].append(site_key(f))
    bad = []
    for c in causes:
        got = sorted(dom_site_key(li) for li in c.find_all("li", cls="site"))
        if got != sorted(by_cause[c.attrs.get("data-cause")]):
            bad.append(c.attrs.get("data-cause"))
    check(f"{name}: each cause holds exactly the sites of its findings", causes and not bad, bad[:5])
    first = report["causes"][0] if report["causes"] else None
    if first and first["blocks"]:
        summary = causes[0].find("summary").text()
        check(f"{name}: the first cause says how many files depend on it",
              f"{first['blocks']} file{'s' if first['blocks'] != 1 else ''} depend" in summary, summary)
    check(f"{name}: every site has a source line with a highlight where the finding has a column",
          all(li.find("code", cls="src") is not None for li in dom.find_all("li", cls="site")))


def check_filter_controls(name, dom, report):
    form = dom.find("form", id="filter")
    if not check(f"{name}: the filter form is there and shown (the script ran)",
                 form is not None and not form.hidden(), "missing or hidden"):
        return
    sev = sorted(i.attrs.get("value") for i in form.find_all("input", name="severity"))
    check(f"{name}: a checkbox per severity", sev == ["error", "note", "warning"] and
          all(i.attrs.get("type") == "checkbox" for i in form.find_all("input", name="severity")), sev)
    select = form.find("select", name="rule")
    options = [o.attrs.get("value") for o in select.find_all("option")] if select else None
    check(f"{name}: the rule list is '' and the report's rules, sorted",
          options == [""] + sorted({f["rule"] for f in report["findings"]}), options)
    check(f"{name}: a path text box", form.find("input", name="path") is not None)
    status = dom.find("output", id="filter-status")
    n = len(report["findings"])
    check(f"{name}: the filter's status counts every site", status is not None and
          status.text() == f"{n} of {n} sites shown", status.text() if status else None)


def check_filtered(name, work, page_path, report, fragment, matches):
    dom = dump_dom(work, page_path, fragment)
    sites = list(dom.find_all("li", cls="site"))
    wrong = [dom_site_key(li) for li in sites
             if li.hidden() == matches(li.attrs["data-severity"], li.attrs["data-rule"], li.attrs["data-file"])]
    want = [f for f in report["findings"] if matches(f["severity"], f["rule"], f["file"])]
    shown = [li for li in sites if not li.hidden()]
    check(f"{name}: {fragment} hides exactly the sites that do not match", sites and not wrong, wrong[:5])
    check(f"{name}: {fragment} shows {len(want)} sites, as many as the JSON findings that match",
          len(shown) == len(want) and sorted(map(dom_site_key, shown)) == sorted(map(site_key, want)),
          f"{len(shown)} shown")
    want_causes = {f["cause"] for f in want}
    causes = list(dom.find_all("details", cls="cause"))
    check(f"{name}: {fragment} hides exactly the causes with no matching site",
          {c.attrs["data-cause"] for c in causes if not c.hidden()} == want_causes,
          len([c for c in causes if not c.hidden()]))
    status = dom.find("output", id="filter-status")
    check(f"{name}: {fragment} status", status is not None and
          status.text() == f"{len(want)} of {len(sites)} sites shown", status.text() if status else None)


def check_interactive(name, work, page_path, report):
    """Drives the form as a person would (a rule chosen, notes unticked, a
    change event), through a copy of the page with a test script after the
    page's own; the DOM then tells what the filter did and which fragment it
    wrote back."""
    rule = most_common(report, "error")
    driver = ("<script>\nvar f = document.getElementById('filter');\n"
              "f.elements.rule.value = %s;\n"
              "f.querySelector('input[name=severity][value=note]').checked = false;\n"
              "f.dispatchEvent(new Event('change'));\n"
              "document.body.setAttribute('data-test-hash', location.hash);\n</script>\n" % json.dumps(rule))
    page = open(page_path, encoding="utf-8").read()
    driven = os.path.join(work, name + "-driven.html")
    with open(driven, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", driver + "</body>"))
    dom = dump_dom(work, driven)
    body = dom.find("body")
    want_hash = "#" + urllib.parse.urlencode({"severity": "error,warning", "rule": rule})
    check(f"{name}: a change of the form writes the filter to the fragment",
          body is not None and body.attrs.get("data-test-hash") == want_hash,
          body.attrs.get("data-test-hash") if body else None)
    sites = list(dom.find_all("li", cls="site"))
    wrong = [dom_site_key(li) for li in sites if li.hidden() ==
             (li.attrs["data-severity"] in ("error", "warning") and li.attrs["data-rule"] == rule)]
    check(f"{name}: the form's filter hides exactly the sites that do not match", sites and not wrong, wrong[:5])


# --- crates and libraries, read here from the tree ---------------------------------

def cargo_packages(tree):
    """{rel dir: (package name, {rel dirs of its in-tree path dependencies})}."""
    found = {}
    for d, dirs, files in os.walk(tree):
        dirs[:] = [x for x in dirs if x not in ("target", ".git")]
        if "Cargo.toml" not in files:
            continue
        with open(os.path.join(d, "Cargo.toml"), "rb") as f:
            toml = tomllib.load(f)
        if "package" not in toml:
            continue
        tables = [toml.get("dependencies", {})] + [t.get("dependencies", {}) for t in toml.get("target", {}).values()]
        deps = {os.path.relpath(os.path.normpath(os.path.join(d, v["path"])), tree)
                for t in tables for v in t.values() if isinstance(v, dict) and "path" in v}
        found[os.path.relpath(d, tree)] = (toml["package"]["name"], deps)
    return found


def owner(dirs, file):
    best = None
    for d in dirs:
        if (d == "." or file.startswith(d + "/")) and (best is None or len(d) > len(best)):
            best = d
    return best


def check_crates(name, dom, report, tree):
    packages = cargo_packages(tree)
    rows = {r.attrs["data-dir"]: r for r in dom.find_all("tr", cls="component", data_kind="crate")}
    check(f"{name}: one row per Cargo package ({len(packages)})", set(rows) == set(packages),
          sorted(set(rows) ^ set(packages)))
    bad = [d for d, (pkg, deps) in packages.items() if d in rows and
           (set(filter(None, rows[d].attrs["data-deps"].split("\n"))) != deps or pkg not in rows[d].text())]
    check(f"{name}: each crate with its name and its path dependencies (from Cargo.toml)", not bad, bad[:5])
    counts = collections.defaultdict(lambda: [0, 0, 0])
    for f in report["findings"]:
        if f["file"].endswith(".rs") or f["file"].endswith("Cargo.toml"):
            d = owner(packages, f["file"])
            if d:
                counts[d][("error", "warning", "note").index(f["severity"])] += 1
    bad = [d for d, r in rows.items() if [int(r.attrs[k]) for k in ("data-errors", "data-warnings", "data-notes")]
           != counts[d]]
    check(f"{name}: each crate's findings counts", not bad, [(d, counts[d]) for d in bad[:5]])


def c_units(tree):
    """Every C/asm file's group, as the report defines it: the nearest directory with a build
    file, plus the first path segment below it."""
    build_dirs = {os.path.relpath(d, tree) for d, _, files in os.walk(tree) if BUILD_FILES & set(files)}
    units = {}
    for d, _, files in os.walk(tree):
        for fn in files:
            if not fn.endswith(C_EXTS):
                continue
            rel = os.path.relpath(os.path.join(d, fn), tree)
            parts = rel.split("/")
            lib = next(("/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)
                        if "/".join(parts[:i]) in build_dirs), ".")
            below = parts[len(lib.split("/")):] if lib != "." else parts
            units[rel] = lib if len(below) == 1 else (lib + "/" + below[0] if lib != "." else below[0])
    return build_dirs, units


def check_c_libraries(name, dom, tree):
    build_dirs, units = c_units(tree)
    rows = {r.attrs["data-dir"]: r for r in dom.find_all("tr", cls="component", data_kind="c")}
    check(f"{name}: one C row per directory group ({len(set(units.values()))})", set(rows) == set(units.values()),
          sorted(set(rows) ^ set(units.values()))[:5])
    libraries = {t.attrs["data-library"] for t in dom.find_all("tbody", cls="library")}
    want_libs = {owner(build_dirs, f) or "." for f in units}
    check(f"{name}: the C libraries are the build-file directories with C in them", libraries == want_libs,
          sorted(libraries ^ want_libs)[:5])
    # Quote includes that resolve next to the file, or under the library's include/, must be edges.
    missing = []
    for rel, unit in units.items():
        text = open(os.path.join(tree, rel), "rb").read().decode("utf-8", "replace")
        lib = owner(build_dirs, rel) or "."
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
            for base in (os.path.dirname(rel), os.path.join(lib, "include") if lib != "." else "include"):
                target = os.path.normpath(os.path.join(base, inc))
                if target in units:
                    if units[target] != unit and units[target] not in rows.get(unit, Node("x", {}, None)).attrs.get(
                            "data-deps", "").split("\n"):
                        missing.append(f"{rel} -> {target}")
                    break
    check(f"{name}: every #include between C directories found here is a dependency", not missing, missing[:5])


# --- the cases ----------------------------------------------------------------------

def render(archport, work, name, args):
    page_path = os.path.join(work, name + ".html")
    page = scan(archport, args, "html", page_path)
    again = scan(archport, args, "html", os.path.join(work, name + "-again.html"))
    report = json.loads(scan(archport, args, "json", os.path.join(work, name + ".json")))
    return page_path, page, again, report


def case_full(archport, work, name, args, tree, filters, colours):
    page_path, page, again, report = render(archport, work, name, args)
    check_static(name, page, again)
    dom = dump_dom(work, page_path)
    check_totals(name, dom, report)
    check_charts(name, dom, report)
    check_causes(name, dom, report)
    check_filter_controls(name, dom, report)
    for fragment, matches in filters(report):
        check_filtered(name, work, page_path, report, fragment, matches)
    check_interactive(name, work, page_path, report)
    if tree:
        check_crates(name, dom, report, tree)
        check_c_libraries(name, dom, tree)
    check_screenshot(name, work, page_path, colours)
    return report


def most_common(report, severity):
    rules = collections.Counter(f["rule"] for f in report["findings"] if f["severity"] == severity)
    return rules.most_common(1)[0][0]


def fixture_filters(report):
    rule = most_common(report, "error")
    return [(f"#severity=error&rule={rule}", lambda s, r, f: s == "error" and r == rule),
            ("#severity=warning,note&path=rust-vmm/", lambda s, r, f: s in ("warning", "note") and "rust-vmm/" in f)]


def reverse_filters(report):
    rule = most_common(report, "error")
    return [(f"#severity=error&rule={urllib.parse.quote(rule, safe='/')}", lambda s, r, f: s == "error" and r == rule),
            ("#severity=error&path=src/", lambda s, r, f: s == "error" and "src/" in f)]


def case_empty(archport, work):
    tree = os.path.join(work, "clean tree")
    os.makedirs(tree)
    with open(os.path.join(tree, "ok.c"), "w") as f:
        f.write("int main(void) { return 0; }\n")
    page_path, page, again, report = render(archport, work, "empty", [tree])
    check_static("empty", page, again)
    dom = dump_dom(work, page_path)
    check("empty: the JSON report has no findings", not report["findings"])
    check_totals("empty", dom, report)
    check("empty: says there are no findings", dom.find(id="no-findings") is not None and
          "No findings" in dom.find(id="no-findings").text())
    check("empty: no chart, cause or site", dom.find("svg") is None and dom.find("details", cls="cause") is None and
          dom.find("li", cls="site") is None)
    check("empty: no filter form (nothing to filter)", dom.find("form", id="filter") is None)


def case_ci(archport, work):
    """An `archport: ignore` comment and a --baseline: the header counts both."""
    tree = os.path.join(work, "ci tree")
    os.makedirs(tree)
    with open(os.path.join(tree, "a.c"), "w") as f:
        f.write('void relax(void) { __asm__ volatile("pause"); }  /* archport: ignore[c/asm-x86] */\n')
    with open(os.path.join(tree, "b.c"), "w") as f:
        f.write('void fence(void) { __asm__ volatile("mfence" ::: "memory"); }\n')
    baseline = os.path.join(work, "baseline.json")
    scan(archport, [tree], "json", baseline)
    with open(os.path.join(tree, "c.c"), "w") as f:
        f.write('unsigned long long t(void) { return __builtin_ia32_rdtsc(); }\n'
                'void spin(void) { __asm__ volatile("pause"); }\n')
    args = [tree, "--baseline", baseline]
    page_path, page, again, report = render(archport, work, "ci", args)
    check_static("ci", page, again)
    dom = dump_dom(work, page_path)
    check("ci: the JSON report has suppressed and baseline findings",
          report["summary"].get("suppressed", 0) >= 1 and report["summary"].get("baseline", 0) >= 1,
          report["summary"])
    check_totals("ci", dom, report)
    check_causes("ci", dom, report)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    archport = os.path.abspath(ap.parse_args().archport)
    if not check("chromium is installed (scripts/setup.sh installs Debian's chromium)", chromium_binary(),
                 "no chromium on PATH"):
        print("0 passed, 1 failed")
        return 1
    with tempfile.TemporaryDirectory(prefix="archport-html-") as work:
        try:
            case_full(archport, work, "fixtures", [FIXTURES], FIXTURES, fixture_filters,
                      [("error", ERROR_RGB), ("warning", WARNING_RGB)])
            aarch64_hyp = os.path.join(FIXTURES, "aarch64-hyp")
            case_full(archport, work, "reverse", ["--target", "x86_64", aarch64_hyp], aarch64_hyp, reverse_filters,
                      [("error", ERROR_RGB)])
            case_empty(archport, work)
            case_ci(archport, work)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            check("the run completed", False, str(e))
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
