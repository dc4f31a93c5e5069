package dev.acgs.sandbox.cli.bench;

import java.util.List;

/**
 * One workload of {@code bench overhead}. Most time themselves inside the sandbox and print the
 * seconds their body took, so that the exec round trip and interpreter start do not dilute what is
 * measured; {@code python-start} is timed from the host because starting is what it measures.
 *
 * @param selfTimed whether the command prints its own elapsed seconds as its last line
 */
record Workload(String name, String description, boolean selfTimed, List<String> argv) {

  static List<Workload> all() {
    return List.of(
        py("cpu", "CPU-bound Python loop: sum of i*i for 3 million i",
            "s = 0\nfor i in range(3_000_000):\n    s += i * i\n"),
        py("syscalls", "20,000 x (read 64 bytes of /dev/zero + write them to /dev/null), unbuffered",
            "import os\nr = os.open('/dev/zero', os.O_RDONLY)\nw = os.open('/dev/null', os.O_WRONLY)\n"
                + "for _ in range(20_000):\n    os.write(w, os.read(r, 64))\n"),
        py("file-io", "/tmp: write 32 MiB in 64 KiB blocks, fsync, read back; then 500 small files created, read, removed",
            "import os\nb = b'x' * 65536\nwith open('/tmp/big', 'wb') as f:\n    for _ in range(512):\n        f.write(b)\n"
                + "    f.flush()\n    os.fsync(f.fileno())\nwith open('/tmp/big', 'rb') as f:\n    while f.read(65536):\n        pass\n"
                + "os.remove('/tmp/big')\nfor i in range(500):\n    p = '/tmp/s%d' % i\n    with open(p, 'w') as f:\n"
                + "        f.write('hello')\n    with open(p) as f:\n        f.read()\n    os.remove(p)\n"),
        py("spawn", "process spawning: 50 x subprocess.run(['/bin/true'])",
            "import subprocess\nfor _ in range(50):\n    subprocess.run(['/bin/true'], check=True)\n"),
        new Workload("python-start", "import-heavy Python start: python3 importing json, re, decimal, email, http.client,"
            + " asyncio, sqlite3, xml.etree, unittest, argparse (timed from the host: exec round trip included)", false,
            List.of("python3", "-c", "import json, re, decimal, email.parser, http.client, asyncio, sqlite3,"
                + " xml.etree.ElementTree, unittest, argparse")));
  }

  private static Workload py(String name, String description, String body) {
    String script = "import time as _t\n_t0 = _t.perf_counter()\n" + body + "print(_t.perf_counter() - _t0)\n";
    return new Workload(name, description, true, List.of("python3", "-c", script));
  }
}
