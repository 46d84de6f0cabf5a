package dev.graft.zoo.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@link ModelInspector} found: one {@link LayerInfo} per layer or vertex, in forward order.
 *
 * @param networkType {@code MultiLayerNetwork} or {@code ComputationGraph}
 * @param rows the layers/vertices in topological (forward) order
 */
public record Inspection(String networkType, List<LayerInfo> rows) {

    /** Copies the rows. */
    public Inspection {
        rows = List.copyOf(rows);
    }

    /** Names of the layers after which the network can be cut for transfer, bottom to top. */
    public List<String> cutPoints() {
        return rows.stream().filter(LayerInfo::cutPoint).map(LayerInfo::name).collect(Collectors.toList());
    }

    /** Total number of parameters. */
    public long totalParams() {
        return rows.stream().mapToLong(LayerInfo::params).sum();
    }

    /** Number of parameters in frozen layers. */
    public long frozenParams() {
        return rows.stream().filter(LayerInfo::frozen).mapToLong(LayerInfo::params).sum();
    }

    /** The row called {@code name}; the error lists the names there are. */
    public LayerInfo row(String name) {
        return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("layer '" + name + "' not found; layers are: "
                        + rows.stream().map(LayerInfo::name).collect(Collectors.joining(", "))));
    }

    /** The inspection as JSON: network type, totals, cut points and one object per row. */
    public String toJson() {
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        com.fasterxml.jackson.databind.node.ObjectNode root = om.createObjectNode();
        root.put("network", networkType).put("totalParams", totalParams()).put("frozenParams", frozenParams());
        cutPoints().forEach(root.putArray("cutPoints")::add);
        com.fasterxml.jackson.databind.node.ArrayNode arr = root.putArray("layers");
        for (LayerInfo r : rows) {
            arr.addObject().put("name", r.name()).put("type", r.type()).put("inputShape", r.inputShape())
                    .put("outputShape", r.outputShape()).put("params", r.params()).put("frozen", r.frozen())
                    .put("cutPoint", r.cutPoint());
        }
        try {
            return om.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A plain-text table (name, type, in, out, params, frozen, cut) followed by totals, for terminals. */
    public String toTable() {
        String[] head = {"name", "type", "input", "output", "params", "frozen", "cut"};
        List<String[]> cells = new ArrayList<>();
        cells.add(head);
        for (LayerInfo r : rows) {
            cells.add(new String[] {r.name(), r.type(), r.inputShape(), r.outputShape(), String.format("%,d", r.params()),
                    r.frozen() ? "yes" : "", r.cutPoint() ? "*" : ""});
        }
        int[] w = new int[head.length];
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                boolean right = i == 4;
                String cell = right ? " ".repeat(w[i] - c[i].length()) + c[i] : c[i] + " ".repeat(w[i] - c[i].length());
                sb.append(cell).append(i < c.length - 1 ? "  " : "");
            }
            sb.append(System.lineSeparator());
        }
        sb.append(String.format("%s: %d layers, %,d parameters (%,d frozen); cut points (*): %s", networkType,
                rows.size(), totalParams(), frozenParams(), String.join(", ", cutPoints())));
        return sb.toString();
    }
}
