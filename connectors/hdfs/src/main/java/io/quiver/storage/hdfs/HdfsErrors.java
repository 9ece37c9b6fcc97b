package io.quiver.storage.hdfs;

import io.quiver.storage.Location;
import io.quiver.storage.StorageUnavailableException;
import io.quiver.storage.VersionChangedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import org.apache.hadoop.hdfs.BlockMissingException;
import org.apache.hadoop.hdfs.server.namenode.SafeModeException;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.ipc.RetriableException;
import org.apache.hadoop.ipc.StandbyException;
import org.apache.hadoop.net.ConnectTimeoutException;
import org.apache.hadoop.security.AccessControlException;

/**
 * Translates Hadoop client failures into the storage SPI's: the one place where that happens.
 *
 * <ul>
 *   <li>{@link FileNotFoundException} stays as it is;
 *   <li>{@link AccessControlException} (permission denied) becomes {@link AccessDeniedException};
 *   <li>a NameNode that could not be reached or would not serve (connection refused or timed out,
 *       unknown host, standby or in safe mode) after the client's own retries becomes {@link
 *       StorageUnavailableException} naming the NameNode; a block no DataNode could serve becomes
 *       one naming the file;
 *   <li>anything else stays as it is.
 * </ul>
 */
final class HdfsErrors {
  private HdfsErrors() {}

  /**
   * The SPI exception for {@code e}, raised by {@code operation} on {@code location} through the
   * NameNode {@code nameNode}.
   */
  static IOException translate(IOException e, String operation, Location location, URI nameNode) {
    if (e instanceof FileNotFoundException
        || e instanceof VersionChangedException
        || e instanceof StorageUnavailableException
        || e instanceof AccessDeniedException) {
      return e;
    }
    if (e instanceof RemoteException remote) {
      IOException unwrapped =
          remote.unwrapRemoteException(
              AccessControlException.class,
              FileNotFoundException.class,
              SafeModeException.class,
              StandbyException.class,
              RetriableException.class);
      if (unwrapped != remote) {
        return translate(unwrapped, operation, location, nameNode);
      }
      return e;
    }
    if (e instanceof AccessControlException) {
      AccessDeniedException denied =
          new AccessDeniedException(location.toString(), null, firstLine(e.getMessage()));
      denied.initCause(e);
      return denied;
    }
    if (e instanceof BlockMissingException) {
      return new StorageUnavailableException(
          "No HDFS DataNode could serve a block of "
              + location
              + " (after the client's retries) while trying to "
              + operation
              + " it: "
              + firstLine(e.getMessage()),
          e);
    }
    if (e instanceof SafeModeException
        || e instanceof StandbyException
        || e instanceof RetriableException) {
      return unavailable(e, operation, location, nameNode, "is not serving requests");
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof ConnectTimeoutException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException) {
        return unavailable(e, operation, location, nameNode, "could not be reached");
      }
      if (t instanceof SocketTimeoutException) {
        return unavailable(e, operation, location, nameNode, "did not answer in time");
      }
      // A NameNode that goes away mid-connection surfaces as EOF or a socket error on the RPC;
      // reads past the end of a file never get here (they are checked before reading).
      if (!"read".equals(operation)
          && (t instanceof java.io.EOFException || t instanceof java.net.SocketException)) {
        return unavailable(e, operation, location, nameNode, "closed the connection");
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return e;
  }

  private static StorageUnavailableException unavailable(
      IOException e, String operation, Location location, URI nameNode, String what) {
    return new StorageUnavailableException(
        "HDFS NameNode "
            + nameNode
            + " "
            + what
            + " after the client's retries (trying to "
            + operation
            + " "
            + location
            + "): "
            + firstLine(e.getMessage()),
        e);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no details";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
