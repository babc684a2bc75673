"""Times LocalStack's Velocity engine (airspeed-ext) on Tollgate's template benchmark cases.

Reads the cases the Go benchmark writes (cases.json: template, body, params, stage variables, context) and prints,
for each, the mean time of one rendering and its output, as JSON on stdout. $input and $util are API Gateway's,
written here over Python's json module for the JSONPath the cases use ($, .name and [index]); a rendering starts
from the body's text, as a request does, so parsing the body is part of its time on both sides.
"""
import json
import re
import sys
import time

import airspeed


def select(doc, path):
    if path == "$":
        return doc
    for name, index in re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]", path[1:]):
        if name:
            doc = doc.get(name) if isinstance(doc, dict) else None
        else:
            i = int(index)
            doc = doc[i] if isinstance(doc, list) and i < len(doc) else None
    return doc


class Input:
    def __init__(self, body, params):
        self.body = body
        self._params = params
        self._doc = None

    def _document(self):
        if self._doc is None:
            self._doc = json.loads(self.body) if self.body.strip() else {}
        return self._doc

    def path(self, p):
        return select(self._document(), p)

    def json(self, p):
        return json.dumps(select(self._document(), p), separators=(",", ":"))

    def params(self, name=None):
        if name is None:
            return self._params
        for kind in ("path", "querystring", "header"):
            if name in self._params.get(kind, {}):
                return self._params[kind][name]
        return ""


def escape_javascript(s):
    s = str(s)
    out = []
    for ch in s:
        if ch in "'\"\\/":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) > 0x7F:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


class Util:
    def escapeJavaScript(self, s):
        return escape_javascript(s)

    def parseJson(self, s):
        return json.loads(s)

    def toJson(self, v):
        return json.dumps(v, separators=(",", ":"))


def main():
    cases = json.load(open(sys.argv[1]))
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    results = {}
    for c in cases:
        template = airspeed.Template(c["template"])
        # $input.params() in API Gateway's order of kinds.
        params = {kind: dict(c["params"].get(kind) or []) for kind in ("path", "querystring", "header")}

        def render():
            return template.merge({
                "input": Input(c["body"], params), "util": Util(),
                "context": c["context"], "stageVariables": dict(c["stageVariables"] or []),
            })

        output = render()  # parses the template, as Tollgate does once per load
        n, elapsed = 0, 0.0
        start = time.perf_counter()
        while elapsed < budget:
            for _ in range(10):
                render()
            n += 10
            elapsed = time.perf_counter() - start
        results[c["name"]] = {"nsPerOp": elapsed / n * 1e9, "output": output}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
