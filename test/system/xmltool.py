#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Small XML and JSON questions the system tests ask, answered with the standard library.

  xmltool.py canon FILE          canonical XML (C14N 2.0, whitespace-only text dropped)
  xmltool.py outside-cpu FILE    the same with the domain's <cpu> element removed
  xmltool.py cpu FILE            the canonical <cpu> element alone (empty when there is none)
  xmltool.py svm FILE            what the CPU config says about svm: on, off, model or none
  xmltool.py set-name FILE NAME  the document with <name> replaced and <uuid> dropped
  xmltool.py split DIR           split concatenated domain documents (stdin) into DIR/<name>.xml
  xmltool.py changed DIR1 DIR2   names whose document differs between DIR1 and DIR2 (canonically)
  xmltool.py classify OLD NOW    per domain: old (unchanged), new (only <cpu> changed, svm on)
                                 or broken (anything else, or missing)
  xmltool.py records FILE        one line per --json record: name, action, restart_required
  xmltool.py field FILE NAME KEY one field of the --json record for domain NAME
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET


def canonical(root):
    return ET.canonicalize(ET.tostring(root, encoding="unicode"), strip_text=True)


def load(path):
    return ET.parse(path).getroot()


def without_cpu(root):
    for cpu in root.findall("cpu"):
        root.remove(cpu)
    return root


def svm_state(root):
    cpu = root.find("cpu")
    if cpu is None:
        return "none"
    for feature in cpu.findall("feature"):
        if feature.get("name") == "svm":
            return "on" if feature.get("policy") in ("require", "force") else "off"
    if cpu.get("mode") in ("host-model", "host-passthrough", "maximum"):
        return "on"
    return "model"


def split(directory, text):
    os.makedirs(directory, exist_ok=True)
    count = 0
    for doc in re.findall(r"<domain\b.*?</domain>", text, flags=re.S):
        name = ET.fromstring(doc).findtext("name")
        with open(os.path.join(directory, name + ".xml"), "w", encoding="utf-8") as f:
            f.write(doc + "\n")
        count += 1
    return count


def documents(directory):
    return {f[:-4]: os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".xml")}


def classify(old_path, now_path):
    if now_path is None:
        return "broken"
    try:
        old, now = load(old_path), load(now_path)
    except ET.ParseError:
        return "broken"
    if canonical(old) == canonical(now):
        return "old"
    if svm_state(now) == "on" and canonical(without_cpu(old)) == canonical(without_cpu(now)):
        return "new"
    return "broken"


def records(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return doc["domains"] if isinstance(doc, dict) else doc


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "canon":
        print(canonical(load(args[0])))
    elif cmd == "outside-cpu":
        print(canonical(without_cpu(load(args[0]))))
    elif cmd == "cpu":
        cpu = load(args[0]).find("cpu")
        print("" if cpu is None else canonical(cpu))
    elif cmd == "svm":
        print(svm_state(load(args[0])))
    elif cmd == "set-name":
        root = load(args[0])
        root.find("name").text = args[1]
        for uuid in root.findall("uuid"):
            root.remove(uuid)
        print(ET.tostring(root, encoding="unicode"))
    elif cmd == "split":
        if split(args[0], sys.stdin.read()) == 0:
            print("xmltool: no domain document on stdin", file=sys.stderr)
            return 1
    elif cmd == "changed":
        before, after = documents(args[0]), documents(args[1])
        for name in sorted(set(before) | set(after)):
            if name not in before or name not in after or \
                    canonical(load(before[name])) != canonical(load(after[name])):
                print(name)
    elif cmd == "classify":
        old, now = documents(args[0]), documents(args[1])
        for name in sorted(old):
            print(name, classify(old[name], now.get(name)), sep="\t")
    elif cmd == "records":
        for rec in records(args[0]):
            print(rec["name"], rec["action"], str(rec.get("restart_required", "")).lower(), sep="\t")
    elif cmd == "field":
        for rec in records(args[0]):
            if rec["name"] == args[1]:
                value = rec.get(args[2])
                print(json.dumps(value) if not isinstance(value, str) else value)
                return 0
        print(f"xmltool: no record for domain {args[1]!r} in {args[0]}", file=sys.stderr)
        return 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
