package dev.acgs.sandbox.kubernetes;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.function.Consumer;

/** Keeps at most {@code max} bytes of a stream and remembers whether more came; passes chunks on as they arrive. */
final class BoundedOutput extends OutputStream {
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private final long max;
  private final Consumer<byte[]> listener;
  private boolean truncated;

  BoundedOutput(long max, Consumer<byte[]> listener) {
    this.max = max;
    this.listener = listener;
  }

  @Override
  public synchronized void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    long room = max - kept.size();
    int take = (int) Math.max(0, Math.min(room, len));
    if (take > 0) {
      kept.write(b, off, take);
      byte[] chunk = new byte[take];
      System.arraycopy(b, off, chunk, 0, take);
      listener.accept(chunk);
    }
    if (take < len) {
      truncated = true;
    }
  }

  synchronized byte[] bytes() {
    return kept.toByteArray();
  }

  synchronized boolean truncated() {
    return truncated;
  }
}
