package io.quiver.bench.alluxio;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.Buffer;

/**
 * Opens {@code java.base/java.nio} to the class path, as {@code
 * --add-opens=java.base/java.nio=ALL-UNNAMED} would.
 *
 * <p>Arrow's {@code MemoryUtil} reads {@code Buffer.address} reflectively and refuses to start
 * without that opening. The benchmark harness launches this contender as {@code java -Xmx2g -cp …
 * AlluxioContender …}, without JVM flags, so when the package is not open yet the contender opens
 * it itself before any Arrow class loads — through the JDK's trusted lookup reached with {@code
 * sun.misc.Unsafe} (module {@code jdk.unsupported}, readable by the class path). With the flag
 * given this does nothing.
 */
final class JavaNioAccess {
  private JavaNioAccess() {}

  /**
   * Makes sure {@code java.nio} is open to unnamed modules.
   *
   * @throws IllegalStateException if it is not and cannot be opened (the message says which JVM
   *     flag to pass)
   */
  static synchronized void ensureOpen() {
    Module nio = Buffer.class.getModule();
    if (nio.isOpen("java.nio", JavaNioAccess.class.getModule())) {
      return;
    }
    try {
      Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
      Field implLookup = MethodHandles.Lookup.class.getDeclaredField("IMPL_LOOKUP");
      MethodHandles.Lookup trusted =
          (MethodHandles.Lookup)
              unsafe.getObject(
                  unsafe.staticFieldBase(implLookup), unsafe.staticFieldOffset(implLookup));
      MethodHandle addOpens =
          trusted.findVirtual(
              Module.class,
              "implAddOpensToAllUnnamed",
              MethodType.methodType(void.class, String.class));
      addOpens.invoke(nio, "java.nio");
    } catch (Throwable t) {
      throw new IllegalStateException(
          "Arrow needs java.nio opened; start Java with --add-opens=java.base/java.nio=ALL-UNNAMED",
          t);
    }
    if (!nio.isOpen("java.nio", JavaNioAccess.class.getModule())) {
      throw new IllegalStateException(
          "Arrow needs java.nio opened; start Java with --add-opens=java.base/java.nio=ALL-UNNAMED");
    }
  }
}
