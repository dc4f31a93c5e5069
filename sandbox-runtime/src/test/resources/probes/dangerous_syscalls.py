# Tries each dangerous call once, through libc's syscall(), and prints {name: [return, errno name]}.
import ctypes, errno, json

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(nr, *args):
    conv = [a if isinstance(a, bytes) else ctypes.c_long(a) for a in args]
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *conv)
    e = ctypes.get_errno()
    return [r, errno.errorcode.get(e, str(e)) if r == -1 else ""]


print(json.dumps({
    "mount": call(165, b"none", b"/tmp", b"tmpfs", 0, 0),
    "unshare(CLONE_NEWUSER)": call(272, 0x10000000),
    "ptrace(PTRACE_ATTACH)": call(101, 16, 1, 0, 0),
    "bpf": call(321, 0, 0, 0),
    "keyctl": call(250, 0, -1, 0, 0, 0),
    "perf_event_open": call(298, 0, 0, -1, -1, 0),
    "init_module": call(175, 0, 0, b""),
    "socket(AF_PACKET)": call(41, 17, 3, 0x0300),
}))
