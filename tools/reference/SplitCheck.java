/*
 * Prints Graft's own fingerprints of the demo's data sets (and java.util.Random / CacheBuild.seedFor probes) so
 * digits_demo_reference.py --fingerprints can be diffed against them. Not part of the build; run with the CLI jar:
 *   java -cp 'examples/target/graft-cli.jar:examples/target/lib/*' tools/reference/SplitCheck.java > java.txt
 */
import dev.graft.transfer.data.*;
import java.util.*;
public class SplitCheck {
    public static void main(String[] a) throws Exception {
        DataSource.Split<LabeledData> split = DataSpec.load("digits").split(0.25, 42);
        List<String> s = DataSpec.parseClasses("0-4", "digits:0-4");
        List<String> t = DataSpec.parseClasses("5-9", "digits:5-9");
        LabeledData st = split.train().selectClasses(s), se = split.test().selectClasses(s);
        LabeledData tt = split.train().selectClasses(t), te = split.test().selectClasses(t);
        System.out.println("sourceTrain " + st.size() + " " + st.fingerprint());
        System.out.println("sourceTest " + se.size() + " " + se.fingerprint());
        System.out.println("targetTrain " + tt.size() + " " + tt.fingerprint());
        System.out.println("targetTest " + te.size() + " " + te.fingerprint());
        for (long seed = 1; seed <= 5; seed++) {
            DataSource.Split<LabeledData> sv = st.split(0.15, seed);
            System.out.println("seed " + seed + " val.train " + sv.train().size() + " " + sv.train().fingerprint());
            System.out.println("seed " + seed + " val.test " + sv.test().size() + " " + sv.test().fingerprint());
            for (int n : new int[] {2, 5, 10, 20}) {
                LabeledData few = tt.samplePerClass(n, seed).shuffled(seed);
                System.out.println("seed " + seed + " few" + n + " " + few.size() + " " + few.fingerprint());
            }
        }
        // java.util.Random and CacheBuild.seedFor probes
        Random r = new Random(-7);
        StringBuilder sb = new StringBuilder("rand");
        for (int b : new int[] {1, 2, 16, 17, 100, 1000003, Integer.MAX_VALUE}) sb.append(' ').append(r.nextInt(b));
        System.out.println(sb);
        try {
            java.lang.reflect.Method m = Class.forName("dev.graft.transfer.cache.CacheBuild").getDeclaredMethod("seedFor", long.class, int.class, long.class);
            m.setAccessible(true);
            StringBuilder sf = new StringBuilder("seedFor");
            for (long sd : new long[] {1, 5}) for (long e : new long[] {0, 1, 99}) sf.append(' ').append(m.invoke(null, sd, -1, e));
            System.out.println(sf);
        } catch (Exception e) { throw new RuntimeException(e); }
    }
}
