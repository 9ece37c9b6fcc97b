package io.quiver.server.stores;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

/**
 * Reaches the connectors' test servers ({@code S3ProxyServer}, {@code MiniHdfs}, {@code
 * AzuriteServer}) in their test-jars. Those classes and their members are package-private, and this
 * package cannot be theirs, so they are called reflectively; a renamed member fails here with a
 * message naming it rather than somewhere inside a test.
 *
 * <p>Stateless and thread-safe.
 */
final class ConnectorTestHelpers {
  private ConnectorTestHelpers() {}

  static Class<?> type(String className) {
    try {
      return Class.forName(className);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          className + " is not on the test classpath: is its module's test-jar a dependency?", e);
    }
  }

  /** Creates an instance with the constructor taking {@code args.length} parameters. */
  static Object construct(String className, Object... args) throws Exception {
    Class<?> type = type(className);
    List<Constructor<?>> candidates =
        Arrays.stream(type.getDeclaredConstructors())
            .filter(c -> c.getParameterCount() == args.length)
            .toList();
    if (candidates.size() != 1) {
      throw new IllegalStateException(
          "Expected one constructor of " + className + " with " + args.length + " parameters");
    }
    Constructor<?> constructor = candidates.get(0);
    constructor.setAccessible(true);
    try {
      return constructor.newInstance(args);
    } catch (InvocationTargetException e) {
      throw rethrow(e);
    }
  }

  /** Calls static method {@code name} of {@code className}. */
  static Object callStatic(String className, String name, Object... args) throws Exception {
    return invoke(method(type(className), name, args.length, true), null, args);
  }

  /** Calls instance method {@code name} of {@code target}. */
  static Object call(Object target, String name, Object... args) throws Exception {
    return invoke(method(target.getClass(), name, args.length, false), target, args);
  }

  /** The value of static field {@code name} of {@code className}. */
  static Object constant(String className, String name) {
    try {
      Field field = type(className).getDeclaredField(name);
      if (!Modifier.isStatic(field.getModifiers())) {
        throw new IllegalStateException(className + "." + name + " is not static");
      }
      field.setAccessible(true);
      return field.get(null);
    } catch (NoSuchFieldException | IllegalAccessException e) {
      throw new IllegalStateException("No readable constant " + className + "." + name, e);
    }
  }

  private static Method method(Class<?> type, String name, int parameters, boolean isStatic) {
    List<Method> candidates =
        Arrays.stream(type.getDeclaredMethods())
            .filter(m -> m.getName().equals(name))
            .filter(m -> m.getParameterCount() == parameters)
            .filter(m -> Modifier.isStatic(m.getModifiers()) == isStatic)
            .toList();
    if (candidates.size() != 1) {
      throw new IllegalStateException(
          "Expected one "
              + (isStatic ? "static " : "")
              + "method "
              + type.getName()
              + "."
              + name
              + " with "
              + parameters
              + " parameters, found "
              + candidates.size());
    }
    Method method = candidates.get(0);
    method.setAccessible(true);
    return method;
  }

  private static Object invoke(Method method, Object target, Object[] args) throws Exception {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw rethrow(e);
    }
  }

  /** The helper's own exception, unwrapped, so test failures show what the helper threw. */
  private static Exception rethrow(InvocationTargetException e) {
    Throwable cause = e.getCause();
    if (cause instanceof Error error) {
      throw error;
    }
    return cause instanceof Exception exception ? exception : e;
  }
}
