package upkeep.services;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;
import sun.misc.Signal;

/**
 * Starts a throwaway Neo4j 5 for tests through Neo4j's test harness:
 * <pre>java -cp target/classes:$(cat target/classpath.txt) upkeep.services.Neo4jLauncher \
 *     --bolt-port P --password PW --data-dir DIR [--apoc [--plugins-dir DIR]]</pre>
 *
 * <p>Bolt listens on 127.0.0.1:P without TLS (use {@code bolt://}); HTTP and HTTPS are off. Auth
 * is on: user {@code neo4j} has password PW (any length) and need not change it. With
 * {@code --apoc}, APOC core's procedures and functions are registered (from the apoc-core jar on
 * the classpath, or from the jars in --plugins-dir); without it there are none.
 *
 * <p>stdout carries exactly one line, {@code NEO4J_READY bolt://127.0.0.1:P}, once Bolt accepts
 * the password. Everything else goes to stderr, or to neo4j.log and logs/debug.log in the
 * harness's folder under DIR (a random 32-hex-digit name, deleted on clean shutdown). The server
 * stops on SIGTERM, SIGINT, SIGHUP or end of stdin, and the process then exits 0. Startup
 * failures exit 1, usage errors 2.
 */
public final class Neo4jLauncher {
  private static final CountDownLatch STOP = new CountDownLatch(1);
  private static final AtomicBoolean CLOSED = new AtomicBoolean();
  private static volatile Neo4j neo4j;

  private Neo4jLauncher() {}

  public static void main(String[] args) {
    PrintStream stdout = System.out;
    // Neo4j and its libraries may print; only our READY line belongs on stdout.
    System.setOut(System.err);
    int status;
    try {
      status = run(args, stdout);
    } catch (Throwable t) {
      System.err.println("Neo4jLauncher: failed");
      t.printStackTrace(System.err);
      status = 1;
    }
    haltAfter(60_000, "shutdown");
    close();
    System.exit(status);
  }

  private static int run(String[] args, PrintStream stdout) throws Exception {
    int port = 0;
    String password = null;
    Path dataDir = null;
    Path pluginsDir = null;
    boolean apoc = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--apoc")) {
        apoc = true;
        continue;
      }
      if (i + 1 >= args.length) return usage("missing value for " + arg);
      String value = args[++i];
      switch (arg) {
        case "--bolt-port" -> port = Integer.parseInt(value);
        case "--password" -> password = value;
        case "--data-dir" -> dataDir = Path.of(value).toAbsolutePath();
        case "--plugins-dir" -> pluginsDir = Path.of(value).toAbsolutePath();
        default -> {
          return usage("unknown argument " + arg);
        }
      }
    }
    if (port <= 0 || port > 65535 || password == null || password.isEmpty() || dataDir == null) {
      return usage("--bolt-port, --password and --data-dir are required");
    }
    Files.createDirectories(dataDir);

    // Stop requests: signals (handled here rather than by the JVM, so the exit status is 0)
    // and end of stdin, so the server never outlives the process that started it.
    for (String sig : List.of("TERM", "INT", "HUP")) {
      Signal.handle(new Signal(sig), s -> STOP.countDown());
    }
    Thread stdinWatcher = new Thread(() -> {
      try (InputStream in = System.in) {
        byte[] buf = new byte[256];
        while (in.read(buf) != -1) {
          // Input is ignored.
        }
      } catch (IOException ignored) {
        // Same as end of file.
      }
      STOP.countDown();
    }, "stdin-watcher");
    stdinWatcher.setDaemon(true);
    stdinWatcher.start();
    // Safety net for any other way the JVM goes down.
    Runtime.getRuntime().addShutdownHook(new Thread(Neo4jLauncher::close, "neo4j-shutdown"));

    SocketAddress bolt = new SocketAddress("127.0.0.1", port);
    Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder(dataDir)
        .withDisabledServer() // no HTTP/HTTPS connectors
        .withConfig(HttpConnector.enabled, false)
        .withConfig(HttpsConnector.enabled, false)
        .withConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress("127.0.0.1"))
        .withConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress("127.0.0.1"))
        .withConfig(BoltConnector.enabled, true)
        .withConfig(BoltConnector.listen_address, bolt)
        .withConfig(BoltConnector.advertised_address, bolt)
        // Plain bolt://, which also spares the harness generating a self-signed certificate.
        .withConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
        // Bolt otherwise waits 5 s twice on shutdown for connections and threads to wind down.
        .withConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(200))
        .withConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(200))
        .withConfig(GraphDatabaseSettings.auth_enabled, true)
        .withConfig(GraphDatabaseSettings.auth_minimum_password_length, 1)
        // No lock-out after failed logins, so a wrong-password test cannot block later tests.
        .withConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
        .withConfig(GraphDatabaseSettings.udc_enabled, false)
        .withConfig(GraphDatabaseSettings.pagecache_memory, 32L * 1024 * 1024)
        .withConfig(GraphDatabaseSettings.preallocate_logical_logs, false);

    Path plugins;
    if (apoc) {
      plugins = pluginsDir != null ? pluginsDir : apocPluginDir(dataDir);
      builder = builder.withConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*"));
    } else {
      // An empty folder, so no procedures are picked up from anywhere.
      plugins = Files.createDirectories(dataDir.resolve("no-plugins"));
    }
    builder = builder.withConfig(GraphDatabaseSettings.plugin_dir, plugins);

    if (STOP.getCount() == 0) return 0;
    long t0 = System.nanoTime();
    neo4j = builder.build();
    long t1 = System.nanoTime();
    deleteLogConfigTempFile(neo4j.config().get(GraphDatabaseSettings.neo4j_home));

    // Auth starts with neo4j/neo4j and a forced change. Embedded transactions bypass auth, so
    // set the real password here and mark it as not needing a change.
    neo4j.databaseManagementService().database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME)
        .executeTransactionally(
            "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));

    System.err.printf("Neo4jLauncher: Neo4j %s started in %d ms, password set in %d ms; logs in %s%n",
        org.neo4j.kernel.internal.Version.getNeo4jVersion(), (t1 - t0) / 1_000_000,
        (System.nanoTime() - t1) / 1_000_000, neo4j.config().get(GraphDatabaseSettings.neo4j_home));
    if (STOP.getCount() == 0) return 0; // told to stop while starting
    stdout.println("NEO4J_READY bolt://127.0.0.1:" + port);
    stdout.flush();

    STOP.await();
    System.err.println("Neo4jLauncher: stopping");
    return 0;
  }

  private static void close() {
    Neo4j server = neo4j;
    if (server != null && CLOSED.compareAndSet(false, true)) {
      try {
        server.close();
        System.err.println("Neo4jLauncher: stopped");
      } catch (RuntimeException e) {
        e.printStackTrace(System.err);
      }
    }
  }

  private static void haltAfter(long millis, String what) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(millis);
        System.err.println("Neo4jLauncher: " + what + " took over " + millis / 1000 + " s, halting");
        Runtime.getRuntime().halt(1);
      } catch (InterruptedException ignored) {
        // The process exits first.
      }
    }, "watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /**
   * The harness writes its log4j configuration to a temp file (log4j-*.xml in java.io.tmpdir)
   * and never deletes it; it is only read at startup, so remove ours.
   */
  private static void deleteLogConfigTempFile(Path home) {
    try (var files = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "log4j-*.xml")) {
      String marker = "\"" + home.toAbsolutePath() + File.separator;
      for (Path file : files) {
        if (Files.size(file) < 16_384 && Files.readString(file).contains(marker)) Files.deleteIfExists(file);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("Neo4jLauncher: could not remove log4j temp file: " + e);
    }
  }

  /** A folder under the data dir holding a copy of the apoc-core jar found on the classpath. */
  private static Path apocPluginDir(Path dataDir) throws IOException {
    Path dir = Files.createDirectories(dataDir.resolve("plugins"));
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      String name = jar.getFileName() == null ? "" : jar.getFileName().toString();
      if (name.startsWith("apoc-core-") && name.endsWith(".jar") && Files.isRegularFile(jar)) {
        Files.copy(jar, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        return dir;
      }
    }
    throw new IllegalStateException("--apoc: no apoc-core-*.jar on the classpath");
  }

  private static int usage(String problem) {
    System.err.println("Neo4jLauncher: " + problem);
    System.err.println("usage: Neo4jLauncher --bolt-port P --password PW --data-dir DIR"
        + " [--apoc [--plugins-dir DIR]]");
    return 2;
  }
}
