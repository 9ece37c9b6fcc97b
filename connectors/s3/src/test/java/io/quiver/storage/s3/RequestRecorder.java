package io.quiver.storage.s3;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpRequest;

/** Counts the HTTP requests the SDK sends, by S3 operation, and keeps the GET requests. */
final class RequestRecorder implements ExecutionInterceptor {
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final List<SdkHttpRequest> gets = new CopyOnWriteArrayList<>();

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
    String operation = executionAttributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    counts.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
    if (operation.equals("GetObject")) {
      gets.add(context.httpRequest());
    }
  }

  /** Requests sent for {@code operation} (e.g. {@code ListObjectsV2}), retries included. */
  int count(String operation) {
    AtomicInteger n = counts.get(operation);
    return n == null ? 0 : n.get();
  }

  int total() {
    return counts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  List<SdkHttpRequest> getObjectRequests() {
    return List.copyOf(gets);
  }

  void reset() {
    counts.clear();
    gets.clear();
  }
}
