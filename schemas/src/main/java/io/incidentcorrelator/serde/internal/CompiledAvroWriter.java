package io.incidentcorrelator.serde.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.UnresolvedUnionException;
import org.apache.avro.io.Encoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes specific records in Avro binary, byte for byte what {@code SpecificDatumWriter} writes, from a plan made
 * once per schema: one small writer per field, chosen from the schema up front. Avro's own writer walks the schema for
 * every record and resolves each union branch by looking the value's class up by name, which made it the largest cost
 * of the topology's internal topic and state stores after the timeline (see docs/performance.md).
 *
 * <p>Covers what our records use: primitives, strings, enums, records, arrays, maps, unions and
 * {@code timestamp-millis}. For a schema with anything else, {@link #forSchema} returns empty and callers keep Avro's
 * writer. Equality with Avro's bytes is checked over every generated record class in the tests.
 */
public final class CompiledAvroWriter {

    @FunctionalInterface
    private interface ValueWriter {
        void write(Object value, Encoder out) throws IOException;
    }

    private final ValueWriter root;

    private CompiledAvroWriter(ValueWriter root) {
        this.root = root;
    }

    /** A writer for records of {@code schema} read through {@code model}; empty if the schema has a type not covered. */
    public static Optional<CompiledAvroWriter> forSchema(Schema schema, SpecificData model) {
        try {
            return Optional.of(new CompiledAvroWriter(new Planner(model).plan(schema)));
        } catch (Unsupported e) {
            return Optional.empty();
        }
    }

    public void write(SpecificRecord record, Encoder out) throws IOException {
        root.write(record, out);
    }

    private static final class Unsupported extends Exception {
        Unsupported(String what) {
            super(what, null, false, false);
        }
    }

    private static final class Planner {
        private final SpecificData model;
        // Records reached again (recursive schemas) reuse the plan being built.
        private final Map<Schema, ValueWriter[]> records = new IdentityHashMap<>();

        Planner(SpecificData model) {
            this.model = model;
        }

        ValueWriter plan(Schema schema) throws Unsupported {
            final LogicalType logical = schema.getLogicalType();
            if (logical != null) {
                if (logical instanceof LogicalTypes.TimestampMillis && schema.getType() == Schema.Type.LONG) {
                    return (v, out) -> out.writeLong(v instanceof Instant i ? i.toEpochMilli() : (Long) v);
                }
                throw new Unsupported("logical type " + logical.getName());
            }
            switch (schema.getType()) {
                case NULL:
                    return (v, out) -> out.writeNull();
                case BOOLEAN:
                    return (v, out) -> out.writeBoolean((Boolean) v);
                case INT:
                    return (v, out) -> out.writeInt((Integer) v);
                case LONG:
                    return (v, out) -> out.writeLong((Long) v);
                case FLOAT:
                    return (v, out) -> out.writeFloat((Float) v);
                case DOUBLE:
                    return (v, out) -> out.writeDouble((Double) v);
                case STRING:
                    return (v, out) -> out.writeString((CharSequence) v);
                case BYTES:
                    return (v, out) -> out.writeBytes(((ByteBuffer) v).duplicate());
                case ENUM:
                    return (v, out) -> out.writeEnum(((Enum<?>) v).ordinal());
                case ARRAY:
                    return array(plan(schema.getElementType()));
                case MAP:
                    return map(plan(schema.getValueType()));
                case UNION:
                    return union(schema);
                case RECORD:
                    return record(schema);
                default:
                    throw new Unsupported(schema.getType().getName());
            }
        }

        private ValueWriter record(Schema schema) throws Unsupported {
            final ValueWriter[] known = records.get(schema);
            if (known != null) {
                return (v, out) -> writeFields(known, (SpecificRecord) v, out);
            }
            final List<Schema.Field> fields = schema.getFields();
            final ValueWriter[] writers = new ValueWriter[fields.size()];
            records.put(schema, writers);
            for (Schema.Field field : fields) {
                writers[field.pos()] = plan(field.schema());
            }
            return (v, out) -> writeFields(writers, (SpecificRecord) v, out);
        }

        private static void writeFields(ValueWriter[] writers, SpecificRecord record, Encoder out) throws IOException {
            for (int i = 0; i < writers.length; i++) {
                writers[i].write(record.get(i), out);
            }
        }

        private static ValueWriter array(ValueWriter element) {
            return (v, out) -> {
                final Collection<?> items = (Collection<?>) v;
                out.writeArrayStart();
                out.setItemCount(items.size());
                for (Object item : items) {
                    out.startItem();
                    element.write(item, out);
                }
                out.writeArrayEnd();
            };
        }

        private static ValueWriter map(ValueWriter value) {
            return (v, out) -> {
                final Map<?, ?> entries = (Map<?, ?>) v;
                out.writeMapStart();
                out.setItemCount(entries.size());
                for (Map.Entry<?, ?> e : entries.entrySet()) {
                    out.startItem();
                    out.writeString((CharSequence) e.getKey());
                    value.write(e.getValue(), out);
                }
                out.writeMapEnd();
            };
        }

        /** Branches are told apart the way Avro's specific model does it, decided per Java class once. */
        private ValueWriter union(Schema union) throws Unsupported {
            final List<Schema> branches = union.getTypes();
            final List<ValueWriter> writers = new ArrayList<>(branches.size());
            for (Schema branch : branches) {
                writers.add(plan(branch));
            }
            final Integer nullIndex = union.getIndexNamed(Schema.Type.NULL.getName());
            final int nullBranch = nullIndex == null ? -1 : nullIndex;
            // Which branch a value takes depends only on its class (records, enums, conversions, primitives).
            final Map<Class<?>, Integer> branchByClass = new ConcurrentHashMap<>();
            return (v, out) -> {
                final int index;
                if (v == null) {
                    index = nullBranch;
                } else {
                    final Integer known = branchByClass.get(v.getClass());
                    index = known != null ? known : branchByClass.computeIfAbsent(v.getClass(),
                            c -> model.resolveUnion(union, v));
                }
                if (index < 0) {
                    throw new UnresolvedUnionException(union, v);
                }
                out.writeIndex(index);
                writers.get(index).write(v, out);
            };
        }
    }
}
