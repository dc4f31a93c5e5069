/*
 * acgs-init: the first process of every ACGS sandbox.
 *
 * It runs inside the sandbox, as the sandbox user, under the sandbox's seccomp filter, and starts
 * every command the controller asks for as its own child, so each command inherits that filter
 * (in gVisor, `runsc exec` would start processes outside the OCI seccomp filter). It speaks a
 * framed protocol on its stdin (requests) and stdout (replies); stderr carries diagnostics.
 *
 * Frame: u8 type, u8 0, u16 0, u32 exec id, u32 payload length (little endian), payload.
 *   host -> agent: EXEC(1) {u32 argc, u32 envc, u64 max_output, cwd\0, argv\0..., env\0...}
 *                  STDIN(2) data, STDIN_CLOSE(3), SIGNAL(4) {u32 signo}
 *   agent -> host: READY(101) version, STARTED(102) {u32 pid}, STDOUT(103) data, STDERR(104) data,
 *                  EXIT(105) {i32 code, i32 signal, u8 stdout_truncated, u8 stderr_truncated},
 *                  FAILED(106) message (the command could not be started)
 * As PID 1 it also reaps orphans. It exits when its stdin closes: the controller is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define VERSION "acgs-init 1"
#define MAX_PAYLOAD (1u << 20)
#define MAX_EXECS 64
#define CHUNK 65536

enum { EXEC = 1, STDIN_DATA = 2, STDIN_CLOSE = 3, SIGNAL = 4 };
enum { READY = 101, STARTED = 102, OUT = 103, ERR = 104, EXITED = 105, FAILED = 106 };

struct exec {
  int used;
  uint32_t id;
  pid_t pid;
  int in, out, err; /* -1 when closed */
  uint64_t max_output, sent_out, sent_err;
  int trunc_out, trunc_err;
  int exited, status;
  char *pending; /* stdin bytes not yet written */
  size_t pending_len;
  int close_in_after;
};

static struct exec execs[MAX_EXECS];
static char buf[CHUNK];

static void die(const char *what) {
  fprintf(stderr, "acgs-init: %s: %s\n", what, strerror(errno));
  _exit(70);
}

static void write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(0); /* the controller is gone */
    }
    c += w;
    n -= (size_t)w;
  }
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static uint32_t get32(const unsigned char *p) {
  return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void send_frame(int type, uint32_t id, const void *payload, uint32_t len) {
  unsigned char h[12] = {0};
  h[0] = (unsigned char)type;
  put32(h + 4, id);
  put32(h + 8, len);
  write_all(1, h, sizeof h);
  if (len) write_all(1, payload, len);
}

static int read_full(int fd, void *p, size_t n) {
  char *c = p;
  while (n > 0) {
    ssize_t r = read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    c += r;
    n -= (size_t)r;
  }
  return 0;
}

static struct exec *find(uint32_t id) {
  for (int i = 0; i < MAX_EXECS; i++)
    if (execs[i].used && execs[i].id == id) return &execs[i];
  return NULL;
}

static void close_fd(int *fd) {
  if (*fd >= 0) { close(*fd); *fd = -1; }
}

/* Forwards what a pipe holds; returns 2 after forwarding data, 1 when nothing is there yet, 0 at end of file. */
static int pump(struct exec *e, int *fd, int type) {
  ssize_t r = read(*fd, buf, sizeof buf);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (r <= 0) { close_fd(fd); return 0; }
  uint64_t *sent = type == OUT ? &e->sent_out : &e->sent_err;
  int *trunc = type == OUT ? &e->trunc_out : &e->trunc_err;
  uint64_t room = e->max_output > *sent ? e->max_output - *sent : 0;
  size_t n = (size_t)r < room ? (size_t)r : (size_t)room;
  if (n < (size_t)r) *trunc = 1;
  if (n) { send_frame(type, e->id, buf, (uint32_t)n); *sent += n; }
  return 2;
}

static void finish(struct exec *e) {
  /* The command has exited: forward what it wrote before, without waiting for descendants that
     may hold the pipes open, then report. */
  while (e->out >= 0 && pump(e, &e->out, OUT) == 2) {}
  while (e->err >= 0 && pump(e, &e->err, ERR) == 2) {}
  unsigned char p[10];
  int code = WIFEXITED(e->status) ? WEXITSTATUS(e->status) : 128 + WTERMSIG(e->status);
  int sig = WIFSIGNALED(e->status) ? WTERMSIG(e->status) : 0;
  put32(p, (uint32_t)code);
  put32(p + 4, (uint32_t)sig);
  p[8] = (unsigned char)e->trunc_out;
  p[9] = (unsigned char)e->trunc_err;
  send_frame(EXITED, e->id, p, sizeof p);
  close_fd(&e->in); close_fd(&e->out); close_fd(&e->err);
  free(e->pending);
  memset(e, 0, sizeof *e);
}

static void fail(uint32_t id, const char *what, int err) {
  char msg[512];
  int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  send_frame(FAILED, id, msg, (uint32_t)(n < 0 ? 0 : n));
}

static void start(uint32_t id, unsigned char *p, uint32_t len) {
  if (len < 16) { fail(id, "malformed request", EINVAL); return; }
  uint32_t argc = get32(p), envc = get32(p + 4);
  uint64_t max_output = get32(p + 8) | (uint64_t)get32(p + 12) << 32;
  if (argc == 0 || argc > 65536 || envc > 65536 || find(id)) { fail(id, "malformed request", EINVAL); return; }
  char **argv = calloc(argc + 1, sizeof *argv), **envp = calloc(envc + 1, sizeof *envp);
  char *s = (char *)p + 16, *end = (char *)p + len, *cwd = NULL;
  if (!argv || !envp) die("calloc");
  for (uint32_t i = 0; i < 1 + argc + envc; i++) {
    char *z = memchr(s, 0, (size_t)(end - s));
    if (!z) { free(argv); free(envp); fail(id, "malformed request", EINVAL); return; }
    if (i == 0) cwd = s; else if (i <= argc) argv[i - 1] = s; else envp[i - 1 - argc] = s;
    s = z + 1;
  }
  struct exec *e = NULL;
  for (int i = 0; i < MAX_EXECS; i++) if (!execs[i].used) { e = &execs[i]; break; }
  if (!e) { free(argv); free(envp); fail(id, "too many commands running in this sandbox", EBUSY); return; }

  int in[2], out[2], err[2], report[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(report, O_CLOEXEC)) {
    int saved = errno; free(argv); free(envp); fail(id, "pipe", saved); return; /* leaks are bounded by the pids/fd limits */
  }
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(in[0]); close(in[1]); close(out[0]); close(out[1]); close(err[0]); close(err[1]);
    close(report[0]); close(report[1]); free(argv); free(envp);
    fail(id, "fork", saved);
    return;
  }
  if (pid == 0) {
    sigset_t none; sigemptyset(&none); sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    dup2(in[0], 0); dup2(out[1], 1); dup2(err[1], 2);
    int e2 = 0;
    if (*cwd && chdir(cwd) != 0) { e2 = errno; write(report[1], &e2, sizeof e2); _exit(127); }
    environ = envp;
    execvp(argv[0], argv);
    e2 = errno;
    write(report[1], &e2, sizeof e2);
    _exit(127);
  }
  close(in[0]); close(out[1]); close(err[1]); close(report[1]);
  int child_errno = 0;
  ssize_t r;
  do { r = read(report[0], &child_errno, sizeof child_errno); } while (r < 0 && errno == EINTR);
  close(report[0]);
  if (r == sizeof child_errno) {
    char what[300];
    snprintf(what, sizeof what, "cannot run '%.200s' in %.64s", argv[0], *cwd ? cwd : "the working directory");
    close(in[1]); close(out[0]); close(err[0]);
    free(argv); free(envp);
    /* the child is reaped by the SIGCHLD handler as an unknown pid */
    fail(id, what, child_errno);
    return;
  }
  free(argv); free(envp);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  *e = (struct exec){.used = 1, .id = id, .pid = pid, .in = in[1], .out = out[0], .err = err[0],
                     .max_output = max_output};
  unsigned char pp[4];
  put32(pp, (uint32_t)pid);
  send_frame(STARTED, id, pp, 4);
}

static void flush_stdin(struct exec *e) {
  while (e->in >= 0 && e->pending_len > 0) {
    ssize_t w = write(e->in, e->pending, e->pending_len);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      e->pending_len = 0; /* the command closed its stdin: drop the rest */
      break;
    }
    memmove(e->pending, e->pending + w, e->pending_len - (size_t)w);
    e->pending_len -= (size_t)w;
  }
  if (e->pending_len == 0 && e->close_in_after) close_fd(&e->in);
}

static void handle(unsigned char type, uint32_t id, unsigned char *p, uint32_t len) {
  struct exec *e = type == EXEC ? NULL : find(id);
  switch (type) {
    case EXEC: start(id, p, len); break;
    case STDIN_DATA:
      if (!e || e->in < 0) break;
      if (e->pending_len + len > (64u << 20)) { e->pending_len = 0; close_fd(&e->in); break; }
      e->pending = realloc(e->pending, e->pending_len + len);
      if (!e->pending) die("realloc");
      memcpy(e->pending + e->pending_len, p, len);
      e->pending_len += len;
      flush_stdin(e);
      break;
    case STDIN_CLOSE:
      if (!e) break;
      e->close_in_after = 1;
      flush_stdin(e);
      break;
    case SIGNAL:
      if (e && len >= 4 && !e->exited) kill(-e->pid, (int)get32(p));
      break;
    default:
      fprintf(stderr, "acgs-init: unknown frame type %u ignored\n", type);
  }
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_EXECS; i++) {
      if (execs[i].used && execs[i].pid == pid) {
        execs[i].exited = 1;
        execs[i].status = status;
        finish(&execs[i]);
      }
    }
  }
}

int main(void) {
  /* Not dumpable: sandboxed code running as the same uid cannot open /proc/1/fd/1 and forge
     frames to the controller, nor ptrace this process. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  fcntl(0, F_SETFD, FD_CLOEXEC);
  fcntl(1, F_SETFD, FD_CLOEXEC);
  send_frame(READY, 0, VERSION, sizeof VERSION - 1);

  unsigned char *payload = malloc(MAX_PAYLOAD);
  if (!payload) die("malloc");
  struct pollfd fds[2 + 3 * MAX_EXECS];
  struct { struct exec *e; int which; } who[2 + 3 * MAX_EXECS];
  for (;;) {
    int n = 0;
    fds[n] = (struct pollfd){.fd = 0, .events = POLLIN}; who[n++].e = NULL;
    fds[n] = (struct pollfd){.fd = sfd, .events = POLLIN}; who[n++].e = NULL;
    for (int i = 0; i < MAX_EXECS; i++) {
      struct exec *e = &execs[i];
      if (!e->used) continue;
      if (e->out >= 0) { fds[n] = (struct pollfd){.fd = e->out, .events = POLLIN}; who[n].e = e; who[n++].which = OUT; }
      if (e->err >= 0) { fds[n] = (struct pollfd){.fd = e->err, .events = POLLIN}; who[n].e = e; who[n++].which = ERR; }
      if (e->in >= 0 && e->pending_len) { fds[n] = (struct pollfd){.fd = e->in, .events = POLLOUT}; who[n].e = e; who[n++].which = 0; }
    }
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    for (int i = 2; i < n; i++) {
      struct exec *e = who[i].e;
      if (!fds[i].revents || !e->used) continue;
      if (who[i].which == OUT && e->out == fds[i].fd) pump(e, &e->out, OUT);
      else if (who[i].which == ERR && e->err == fds[i].fd) pump(e, &e->err, ERR);
      else if (who[i].which == 0) flush_stdin(e);
    }
    if (fds[1].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {}
      reap();
    }
    if (fds[0].revents) {
      unsigned char h[12];
      if (read_full(0, h, sizeof h)) _exit(0);
      uint32_t id = get32(h + 4), len = get32(h + 8);
      if (len > MAX_PAYLOAD) { fprintf(stderr, "acgs-init: frame of %u bytes refused\n", len); _exit(71); }
      if (len && read_full(0, payload, len)) _exit(0);
      handle(h[0], id, payload, len);
    }
  }
}
