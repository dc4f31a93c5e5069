# Attempts every dangerous-catalogue call with arguments that make it dangerous; prints {name: [ret, errno]}.
import ctypes, errno, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
calls = json.loads(sys.argv[1])
out = {}
for name, nr, args in calls:
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    if r == 0 and name in ("clone", "clone3"):
        os._exit(0)  # a child created by an allowed clone: leave at once
    e = ctypes.get_errno()
    out[name] = [r, errno.errorcode.get(e, str(e)) if r == -1 else ""]
print(json.dumps(out))
