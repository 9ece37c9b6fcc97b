package io.quiver.storage.hdfs;

import io.quiver.storage.Storage;
import io.quiver.storage.StorageProvider;
import java.io.IOException;
import java.util.Map;

/**
 * Provides {@link HdfsStorage} for {@code hdfs://} mounts (registered for {@link
 * java.util.ServiceLoader}).
 *
 * <h2>Mount options</h2>
 *
 * <table>
 *   <caption>hdfs:// mount options</caption>
 *   <tr><th>option</th><th>meaning</th></tr>
 *   <tr><td>{@code config-dir}</td><td>a directory holding {@code core-site.xml} and/or {@code
 *       hdfs-site.xml} (e.g. {@code /etc/hadoop/conf}); their properties are loaded, overriding
 *       the client defaults below</td></tr>
 *   <tr><td>{@code user}</td><td>the HDFS user to act as (simple authentication); default: the
 *       process user, or {@code HADOOP_USER_NAME} if set</td></tr>
 *   <tr><td>{@code hadoop.<key>}</td><td>sets Hadoop configuration key {@code <key>} (prefix
 *       removed), overriding everything else, e.g. {@code
 *       hadoop.dfs.client.use.datanode.hostname=true}</td></tr>
 * </table>
 *
 * <p>Any other option is refused with an {@link IllegalArgumentException} listing these forms.
 * Kerberos ({@code hadoop.security.authentication=kerberos}) is refused.
 *
 * <h2>Client timeouts</h2>
 *
 * Hadoop's defaults wait for minutes on a NameNode that drops packets; mounts start from these
 * instead (each can be overridden with {@code config-dir} or {@code hadoop.<key>}):
 *
 * <table>
 *   <caption>client timeouts and retries</caption>
 *   <tr><th>key</th><th>value</th><th>Hadoop default</th></tr>
 *   <tr><td>{@code ipc.client.connect.timeout}</td><td>4000 ms</td><td>20000</td></tr>
 *   <tr><td>{@code ipc.client.connect.max.retries.on.timeouts}</td><td>2</td><td>45</td></tr>
 *   <tr><td>{@code ipc.client.rpc-timeout.ms}</td><td>60000 ms</td><td>120000</td></tr>
 *   <tr><td>{@code ipc.client.connect.max.retries}</td><td>3</td><td>10</td></tr>
 *   <tr><td>{@code ipc.client.connect.retry.interval}</td><td>1000 ms</td><td>1000</td></tr>
 *   <tr><td>{@code dfs.client.failover.max.attempts}</td><td>3</td><td>15</td></tr>
 *   <tr><td>{@code dfs.client.failover.sleep.base.millis}</td><td>500 ms</td><td>500</td></tr>
 *   <tr><td>{@code dfs.client.failover.sleep.max.millis}</td><td>4000 ms</td><td>15000</td></tr>
 * </table>
 *
 * <p>So, before {@link io.quiver.storage.StorageUnavailableException}: a refused connection fails
 * at once (the non-HA NameNode proxy tries once: {@code dfs.client.retry.policy.enabled} is off in
 * Hadoop and here); a dropped one after 3 attempts of 4 s, about 12 s; a call the NameNode accepted
 * but never answers after 60 s; an HA nameservice whose NameNodes all drop connections after 3
 * failovers, about 20 s. {@code ipc.client.connect.max.retries}/{@code retry.interval} bound only
 * IPC connections using Hadoop's default connection retry policy, not the NameNode proxy. DataNode
 * timeouts keep Hadoop's defaults ({@code dfs.client.socket-timeout} 60 s).
 *
 * <p>Thread-safe and stateless.
 */
public final class HdfsStorageProvider implements StorageProvider {
  @Override
  public String scheme() {
    return "hdfs";
  }

  @Override
  public Storage create(Map<String, String> options) throws IOException {
    return new HdfsStorage(options);
  }
}
