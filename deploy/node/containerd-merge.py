#!/usr/bin/env python3
"""Adds gVisor's runsc runtime to a containerd config.toml without losing anything already in it.

`cat <<EOF > /etc/containerd/config.toml` (as in most install guides) replaces a node's whole
configuration: registry mirrors, the CNI setup, the cgroup driver. This script only appends the tables
that are missing, and only when the result still parses and still holds every original key with its
value. The original is kept as config.toml.bak-<timestamp> before the file changes.

Understood: config `version = 2` (containerd 1.x, CRI plugin io.containerd.grpc.v1.cri) and
`version = 3` (containerd 2.x, CRI runtime plugin io.containerd.cri.v1.runtime); an empty or missing
file becomes a `version = 2` config with just runsc (containerd 2.x reads version 2 too).

Exit codes: 0 done (changed or already configured), 1 (--check) runsc is not configured,
2 the file cannot be used (unparseable, unsupported version, runsc configured differently): nothing changed.
Standard library only (tomllib: Python 3.11+).
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import shutil

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    sys.stderr.write("containerd-merge: needs Python 3.11 or newer (tomllib); found %s\n" % sys.version.split()[0])
    sys.exit(2)

RUNTIME_TYPE = "io.containerd.runsc.v1"
TYPE_URL = "io.containerd.runsc.v1.options"
CRI_PLUGIN = {2: "io.containerd.grpc.v1.cri", 3: "io.containerd.cri.v1.runtime"}
PROG = "containerd-merge"


class Refused(Exception):
    """The file cannot be changed safely; the message says why and what to do."""


def parse(text, name):
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise Refused("%s is not valid TOML (%s); nothing was changed. Fix or restore the file, "
                      "then run again." % (name, e))


def runsc_path(version):
    return ["plugins", CRI_PLUGIN[version], "containerd", "runtimes", "runsc"]


def header(path):
    return "[" + ".".join(('"%s"' % k) if "." in k else k for k in path) + "]"


def lookup(data, path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def config_version(data, name):
    if not data:
        return 2
    version = data.get("version")
    if version is None:
        raise Refused("%s has no 'version' key, so containerd reads it as a version 1 config, which this "
                      "script does not edit; nothing was changed. Convert it first (containerd 1.7+: "
                      "`containerd config migrate`), or add the runsc runtime by hand." % name)
    if version not in CRI_PLUGIN:
        raise Refused("%s has version = %r; only 2 (containerd 1.x) and 3 (containerd 2.x) are understood; nothing was changed."
                      % (name, version))
    return version


def missing_tables(data, version, runsc_config, name):
    """The TOML text to append (empty when runsc is configured as wanted)."""
    path = runsc_path(version)
    runsc = lookup(data, path)
    blocks = []
    if runsc is None or "runtime_type" not in runsc:
        blocks.append('%s\n  runtime_type = "%s"\n' % (header(path), RUNTIME_TYPE))
    elif runsc["runtime_type"] != RUNTIME_TYPE:
        raise Refused("%s: %s has runtime_type = %r, not %r; edit it by hand (nothing was changed)."
                      % (name, header(path), runsc["runtime_type"], RUNTIME_TYPE))
    options = lookup(data, path + ["options"])
    if options is None:
        blocks.append('%s\n  TypeUrl = "%s"\n  ConfigPath = "%s"\n'
                      % (header(path + ["options"]), TYPE_URL, runsc_config))
    elif options.get("ConfigPath") != runsc_config or options.get("TypeUrl") != TYPE_URL:
        raise Refused("%s: %s has TypeUrl = %r and ConfigPath = %r; the sandbox controller needs TypeUrl = %r "
                      "and ConfigPath = %r (its runsc options turn on the log the violation monitor reads). "
                      "Edit it by hand (nothing was changed)."
                      % (name, header(path + ["options"]), options.get("TypeUrl"), options.get("ConfigPath"),
                         TYPE_URL, runsc_config))
    if not blocks:
        return ""
    return ("\n# Added by deploy/node/containerd-merge.py (ACGS sandbox controller): gVisor's runsc runtime and\n"
            "# the runsc options file (debug log for the violation monitor, OCI seccomp enforced by the Sentry).\n"
            + "\n".join(blocks))


def lost_keys(before, after, prefix=""):
    """Keys of `before` whose value is not the same in `after` (dotted paths)."""
    lost = []
    for key, value in before.items():
        where = prefix + key
        if key not in after:
            lost.append(where)
        elif isinstance(value, dict) and isinstance(after[key], dict):
            lost.extend(lost_keys(value, after[key], where + "."))
        elif value != after[key]:
            lost.append(where)
    return lost


def read(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Refused("%s is not UTF-8 text (%s); nothing was changed." % (path, e))


def read_existing(path):
    text = read(path)
    if text is None:
        raise Refused("%s does not exist" % path)
    return text


def write_atomically(path, text, mode):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config.toml.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def backup(path):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = "%s.bak-%s" % (path, stamp)
    n = 1
    while os.path.exists(target):
        n += 1
        target = "%s.bak-%s.%d" % (path, stamp, n)
    shutil.copy2(path, target)
    return target


def merge(path, runsc_config):
    original = read(path)
    text = original if original is not None else ""
    data = parse(text, path)
    version = config_version(data, path)
    addition = missing_tables(data, version, runsc_config, path)
    if not addition:
        print("%s: %s already has the runsc runtime (runtime_type %s, ConfigPath %s); nothing changed"
              % (PROG, path, RUNTIME_TYPE, runsc_config))
        return
    if text and not text.endswith("\n"):
        text += "\n"
    if not data:
        text = "version = 2\n" + text  # keeps the comments of a file that holds nothing else
    merged = text + addition
    try:
        new_data = tomllib.loads(merged)
    except tomllib.TOMLDecodeError as e:
        raise Refused("cannot add the runsc runtime to %s by appending (%s: the file defines those tables in a "
                      "form a later table cannot extend, such as an inline table); nothing was changed. "
                      "Add it by hand:\n%s" % (path, e, addition))
    lost = lost_keys(data, new_data)
    if lost:
        raise Refused("appending would change %s in %s; nothing was changed. Add the runsc runtime by hand:\n%s"
                      % (", ".join(lost), path, addition))
    if lookup(new_data, runsc_path(version) + ["runtime_type"]) != RUNTIME_TYPE:
        raise Refused("the merged configuration still has no runsc runtime; nothing was changed. "
                      "Add it by hand:\n%s" % addition)
    if original:
        saved = backup(path)
        print("%s: saved the original as %s" % (PROG, saved))
        mode = os.stat(path).st_mode & 0o7777
    else:
        mode = 0o644
    write_atomically(path, merged, mode)
    added = [line for line in addition.splitlines() if line.startswith("[")]
    print("%s: %s (version %d, plugin %s): added %s" % (PROG, path, version, CRI_PLUGIN[version], " and ".join(added)))


def check(path, runsc_config):
    text = read(path)
    data = parse(text or "", path)
    version = config_version(data, path)
    addition = missing_tables(data, version, runsc_config, path)
    if addition:
        print("%s: %s lacks:%s" % (PROG, path, "".join("\n  " + line for line in addition.splitlines()
                                                          if line.startswith("["))))
        return 1
    print("%s: %s has the runsc runtime" % (PROG, path))
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="containerd-merge.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="/etc/containerd/config.toml", help="containerd's config (default: %(default)s)")
    ap.add_argument("--runsc-config", default="/etc/containerd/runsc.toml",
                    help="runsc options file for the shim's ConfigPath (default: %(default)s)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="report whether runsc is configured; change nothing (exit 1 if not)")
    mode.add_argument("--validate", metavar="FILE", help="only parse FILE as TOML (exit 2 if it does not parse)")
    mode.add_argument("--dump-json", metavar="FILE", help="print FILE, parsed as TOML, as JSON")
    args = ap.parse_args(argv)
    try:
        if args.validate:
            parse(read_existing(args.validate), args.validate)
            print("%s: %s is valid TOML" % (PROG, args.validate))
            return 0
        if args.dump_json:
            print(json.dumps(parse(read_existing(args.dump_json), args.dump_json), sort_keys=True, indent=2, default=str))
            return 0
        if args.check:
            return check(args.config, args.runsc_config)
        merge(args.config, args.runsc_config)
        return 0
    except Refused as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        return 2
    except OSError as e:
        sys.stderr.write("%s: %s; nothing was changed\n" % (PROG, e))
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
