package dev.graft.spark.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Option;

/** The options every Spark verb takes: where Spark runs and any Spark configuration to pass through. */
final class SparkOptions {
    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Spark master: local[2], local[*], spark://host:7077, yarn, ... (under spark-submit the "
                    + "master it was given is used when this is left out)")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Spark configuration, repeatable (e.g. "
            + "--conf spark.executor.memory=4g); passed to SparkConf as is")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--app-name", defaultValue = "graft", paramLabel = "NAME", description = "Spark application name (default: ${DEFAULT-VALUE})")
    String appName;

    /**
     * A Spark context for the verb. Local masters bind to 127.0.0.1 unless the configuration says otherwise, and
     * the Spark UI is off for them.
     */
    JavaSparkContext context() {
        SparkConf sc = new SparkConf().setAppName(appName);
        if (master != null) {
            sc.setMaster(master);
        } else if (!sc.contains("spark.master")) {
            throw new IllegalArgumentException("no Spark master: pass --spark MASTER (e.g. --spark local[2]) or run "
                    + "under spark-submit --master ...");
        }
        String effective = sc.get("spark.master");
        if (effective.startsWith("local")) {
            sc.setIfMissing("spark.driver.host", "127.0.0.1");
            sc.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            sc.setIfMissing("spark.ui.enabled", "false");
        }
        conf.forEach(sc::set);
        JavaSparkContext jsc = new JavaSparkContext(sc);
        jsc.setLogLevel("WARN");
        return jsc;
    }
}
