package dev.graft.transfer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A failed split's advice names the option that fixes it, with a value that does, for every way the two shares of
 * {@code finetune} (a test share first, then a validation share of what is left) can fail.
 */
class SplitAdviceTest {

    /** {@code perClass[c]} examples of class c. */
    private static LabeledData data(int... perClass) {
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < perClass.length; c++) {
            for (int i = 0; i < perClass[c]; i++) {
                labels.add(c);
            }
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < perClass.length; c++) {
            names.add("c" + c);
        }
        return new LabeledData(Nd4j.rand(labels.size(), 2), labels.stream().mapToInt(Integer::intValue).toArray(), names, "t.csv");
    }

    /** Test share, then validation share, as finetune does; the message of the split that fails. */
    private static String chain(LabeledData d, Double test, double val) {
        DataSpecException e = catchThrowableOfType(() -> {
            LabeledData rest = test == null ? d : d.split(test, 42, "--test-fraction").train();
            rest.split(val, 42, "--val-fraction");
        }, DataSpecException.class);
        assertThat(e).as("split %s then %s should fail", test, val).isNotNull();
        return e.getMessage();
    }

    /** The advice's suggested value for an option, applied, makes the chain succeed. */
    private static void suggestionWorks(LabeledData d, String message, Double test, double val) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(lower|raise) (--test-fraction|--val-fraction) \\((\\d\\.\\d\\d) fits")
                .matcher(message);
        int found = 0;
        while (m.find()) {
            found++;
            double v = Double.parseDouble(m.group(3));
            double t = m.group(2).equals("--test-fraction") ? v : test == null ? -1 : test;
            double va = m.group(2).equals("--val-fraction") ? v : val;
            LabeledData rest = t < 0 ? d : d.split(t, 42, "--test-fraction").train();
            rest.split(va, 42, "--val-fraction"); // does not throw
            if (m.group(1).equals("lower")) {
                assertThat(v).isLessThan(m.group(2).equals("--test-fraction") ? test : val);
            } else {
                assertThat(v).isGreaterThan(m.group(2).equals("--test-fraction") ? test : val);
            }
        }
        assertThat(found).as(message).isPositive();
    }

    @Test
    void aLargeTestShareThatStarvesValidationSaysLowerTestFraction() {
        // 180 a class: 0.99 holds out 178, leaving 2; a 0.20 share of 2 holds out none (the trial's report)
        LabeledData d = data(180, 178, 181);
        String m = chain(d, 0.99, 0.2);
        assertThat(m).contains("too small for a 0.20 validation share")
                .contains("after the 0.99 test share (--test-fraction) held out")
                .contains("lower --test-fraction (").doesNotContain("add examples (no");
        assertThat(m.indexOf("lower --test-fraction")).isLessThan(m.indexOf("--val-fraction ("));
        suggestionWorks(d, m, 0.99, 0.2);
    }

    @Test
    void aTestShareThatLeavesAClassOneExampleForValidationSaysLowerEither() {
        // 0.9 holds out 9 of c0's 10, leaving 1, which a 0.6 validation share takes (c1 keeps 3)
        LabeledData d = data(10, 30);
        String m = chain(d, 0.9, 0.6);
        assertThat(m).startsWith("class 'c0' of").contains("has only 1 example left after the 0.90 test share "
                + "(--test-fraction) held out 9 of its 10: a 0.60 validation share leaves none to train on")
                .contains("lower --test-fraction (").contains("lower --val-fraction (");
        suggestionWorks(d, m, 0.9, 0.6);
    }

    @Test
    void oneExampleLeftPerClassCannotBeFixedByTheValidationShare() {
        // every class keeps 1: a validation share either takes it or holds out nothing
        String m = chain(data(10, 10), 0.9, 0.6);
        assertThat(m).contains("lower --test-fraction (").doesNotContain("lower --val-fraction");
        suggestionWorks(data(10, 10), m, 0.9, 0.6);
    }

    @Test
    void aTestShareTooLargeByItselfSaysLowerTestFraction() {
        String m = chain(data(4, 4), 0.9, 0.2);
        assertThat(m).contains("a 0.90 test share leaves none to train on").contains("lower --test-fraction (0.")
                .doesNotContain("--val-fraction");
    }

    @Test
    void aTestShareTooSmallByItselfSaysRaiseTestFraction() {
        String m = chain(data(3, 3), 0.1, 0.2);
        assertThat(m).contains("too small for a 0.10 test share").contains("raise --test-fraction (0.");
        DataSpecException e = catchThrowableOfType(() -> data(3, 3).split(0.1, 1, "--test-fraction"),
                DataSpecException.class);
        assertThat(e.getMessage()).isEqualTo(m);
    }

    @Test
    void withoutATestShareTheValidationShareIsTheOneToMove() {
        LabeledData few = data(2, 2);
        String small = chain(few, null, 0.2);
        assertThat(small).contains("too small for a 0.20 validation share").contains("raise --val-fraction (0.25 fits)")
                .doesNotContain("--test-fraction");
        suggestionWorks(few, small, null, 0.2);
        String large = chain(data(1, 5), null, 0.6);
        assertThat(large).contains("class 'c0'").contains("lower --val-fraction (0.").doesNotContain("--test-fraction");
        suggestionWorks(data(1, 5), large, null, 0.6);
    }

    @Test
    void whenNoShareFitsTheAdviceIsMoreExamples() {
        // one example per class: nothing can be held out without taking a class's only example
        String m = chain(data(1, 1, 1), null, 0.2);
        assertThat(m).endsWith("add examples (no --val-fraction fits this data)");
        String chained = chain(data(2, 2), 0.5, 0.2);
        assertThat(chained).endsWith("add examples (no --val-fraction or --test-fraction fits this data)");
    }

    @Test
    void aSecondSplitByTheSameOptionNamesOnlyIt() {
        LabeledData rest = data(3, 3).split(0.5, 1).train();
        assertThatThrownBy(() -> rest.split(0.2, 1)).isInstanceOf(DataSpecException.class)
                .hasMessageNotContaining("after the").hasMessageContaining("the split fraction");
    }
}
