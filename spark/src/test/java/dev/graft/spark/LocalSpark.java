package dev.graft.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One local[2] Spark context for all tests of this module, bound to 127.0.0.1. */
final class LocalSpark {
    private static JavaSparkContext sc;

    private LocalSpark() {
    }

    static synchronized JavaSparkContext context() {
        if (sc == null) {
            SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("graft-spark-tests")
                    .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.ui.enabled", "false").set("spark.default.parallelism", "2")
                    .set("spark.sql.shuffle.partitions", "2");
            sc = new JavaSparkContext(conf);
            sc.setLogLevel("WARN");
            Runtime.getRuntime().addShutdownHook(new Thread(sc::stop));
        }
        return sc;
    }
}
