package upkeep.services;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;

/**
 * Starts a throwaway Neo4j for tests. Usage:
 * <pre>Neo4jLauncher --bolt-port P --password PW --data-dir DIR [--apoc --plugins-dir DIR]</pre>
 * Prints exactly one line on stdout, {@code NEO4J_READY bolt://127.0.0.1:P}, once Bolt
 * accepts authenticated sessions; everything else goes to stderr. Stops on SIGTERM or
 * when stdin reaches end of file, so the server never outlives the process that started it.
 */
public final class Neo4jLauncher {
  private Neo4jLauncher() {}

  public static void main(String[] args) throws Exception {
    PrintStream stdout = System.out;
    // Neo4j and its libraries may print; only our READY line belongs on stdout.
    System.setOut(System.err);

    int port = 0;
    String password = null;
    Path dataDir = null;
    Path pluginsDir = null;
    boolean apoc = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bolt-port" -> port = Integer.parseInt(args[++i]);
        case "--password" -> password = args[++i];
        case "--data-dir" -> dataDir = Path.of(args[++i]);
        case "--plugins-dir" -> pluginsDir = Path.of(args[++i]);
        case "--apoc" -> apoc = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (port <= 0 || password == null || dataDir == null) {
      System.err.println("usage: Neo4jLauncher --bolt-port P --password PW --data-dir DIR [--apoc --plugins-dir DIR]");
      System.exit(2);
    }

    Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder(dataDir)
        .withDisabledServer()
        .withConfig(BoltConnector.enabled, true)
        .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .withConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
        .withConfig(HttpConnector.enabled, false)
        .withConfig(HttpsConnector.enabled, false)
        .withConfig(GraphDatabaseSettings.auth_enabled, true)
        .withConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024);
    if (apoc) {
      if (pluginsDir == null) throw new IllegalArgumentException("--apoc needs --plugins-dir");
      builder = builder
          .withConfig(GraphDatabaseSettings.plugin_dir, pluginsDir.toAbsolutePath())
          .withConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*"));
    }
    Neo4j neo4j = builder.build();

    // Embedded transactions bypass auth, so the initial password is set here and
    // marked as not needing a change: tests log in with it straight away.
    neo4j.databaseManagementService().database("system").executeTransactionally(
        "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));

    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      neo4j.close();
    }));
    Thread stdinWatcher = new Thread(() -> {
      try (InputStream in = System.in) {
        while (in.read() != -1) {
          // Ignore input; end of file means the parent is gone.
        }
      } catch (IOException ignored) {
        // Same as end of file.
      }
      stop.countDown();
    });
    stdinWatcher.setDaemon(true);
    stdinWatcher.start();

    stdout.println("NEO4J_READY bolt://127.0.0.1:" + port);
    stdout.flush();
    stop.await();
    System.exit(0);
  }
}
