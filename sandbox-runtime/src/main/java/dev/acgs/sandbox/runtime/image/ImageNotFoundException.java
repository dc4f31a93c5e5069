package dev.acgs.sandbox.runtime.image;

import dev.acgs.sandbox.runtime.SandboxFailedException;

/** No image by that name or digest in the store. */
public class ImageNotFoundException extends SandboxFailedException {
  private static final long serialVersionUID = 1L;

  public ImageNotFoundException(String ref, java.nio.file.Path store) {
    super("image '" + ref + "' is not in " + store + ": build it with `sandboxctl image build"
        + ("default".equals(ref) ? "" : " --name " + ref) + "`, or list what is there with `sandboxctl image ls`");
  }
}
