import dev.graft.cli.GraftCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;

/**
 * Runs {@code graft import FILE --out OUT/NAME.zip --verify NAME.npz} for every .keras/.h5/.onnx file in a folder,
 * in one JVM (a JVM start per case costs more than the case), and prints one tab-separated line per file:
 * name, format, exit code (124 = over the time limit), seconds, last line of the output. A JVM crash ends the run:
 * rerun the rest with tools/import-fuzz/run_cases.sh (one JVM per file).
 *
 * <pre>
 *   java -cp examples/target/graft-cli.jar tools/import-fuzz/FuzzRunner.java DIR OUT [TIMEOUT_S] [NAME_REGEX]
 * </pre>
 */
public class FuzzRunner {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        Path out = Path.of(a[1]);
        long timeout = a.length > 2 ? Long.parseLong(a[2]) : 60;
        String only = a.length > 3 ? a[3] : ".*";
        Files.createDirectories(out.resolve("logs"));
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.filter(p -> p.toString().matches(".*\\.(keras|h5|onnx)$")).sorted().forEach(files::add);
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        for (Path f : files) {
            String file = f.getFileName().toString();
            String name = file.substring(0, file.lastIndexOf('.'));
            String fmt = file.substring(file.lastIndexOf('.') + 1);
            if (!name.matches(only)) {
                continue;
            }
            List<String> args = new ArrayList<>(List.of("import", f.toString(), "--out",
                    out.resolve(name + "." + fmt + ".zip").toString()));
            Path npz = dir.resolve(name + ".npz");
            if (Files.exists(npz)) {
                args.add("--verify");
                args.add(npz.toString());
            }
            StringWriter sw = new StringWriter();
            PrintWriter pw = new PrintWriter(sw, true);
            CommandLine cl = GraftCli.newCommandLine();
            cl.setOut(pw);
            cl.setErr(pw);
            ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r);
                t.setDaemon(true);
                return t;
            });
            long t0 = System.nanoTime();
            Future<Integer> fut = ex.submit(() -> cl.execute(args.toArray(new String[0])));
            int rc;
            try {
                rc = fut.get(timeout, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                rc = 124;
                fut.cancel(true);
            } catch (Exception e) {
                rc = 99;
                e.printStackTrace(pw);
            }
            ex.shutdownNow();
            double secs = (System.nanoTime() - t0) / 1e9;
            String log = sw.toString();
            Files.writeString(out.resolve("logs").resolve(name + "." + fmt + ".log"), log);
            String[] lines = log.strip().split("\n");
            String last = lines.length == 0 ? "" : lines[lines.length - 1];
            String verify = "";
            for (String l : lines) {
                if (l.startsWith("verify: max abs diff")) {
                    verify = l.replaceAll(" over .*", "").replace("verify: ", "");
                }
            }
            System.out.printf("%s\t%s\t%d\t%.1f\t%s\t%s%n", name, fmt, rc, secs, verify,
                    last.length() > 300 ? last.substring(0, 300) : last);
        }
        System.exit(0);
    }
}
