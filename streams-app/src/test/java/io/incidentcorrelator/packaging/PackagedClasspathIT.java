package io.incidentcorrelator.packaging;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code bin/correlator} runs is complete: every class the project's main code refers to
 * (its own classes in {@code target/incident-correlator.jar} and in the schemas and collectors
 * jars of {@code target/lib}) loads from a class loader built only from that jar and the
 * {@code target/lib} jars its manifest names (what {@code java -jar} loads) over the JDK, never
 * from the test classpath. A dependency declared
 * with test scope (how {@code jackson-dataformat-yaml} once went missing) fails here, after
 * {@code package}, instead of as a {@code NoClassDefFoundError} in a user's first run.
 */
class PackagedClasspathIT {

    private static final Path TARGET = Path.of("target");
    private static final String OWN_PACKAGE = "io/incidentcorrelator/";
    /** {@code Lpkg/Name;} inside a field or method descriptor. */
    private static final Pattern DESCRIPTOR_CLASS = Pattern.compile("L([^;<>]+);");

    @Test
    void everyClassTheMainCodeRefersToLoadsFromTheShippedJarAndLib() throws Exception {
        final Path jar = TARGET.resolve("incident-correlator.jar");
        final Path lib = TARGET.resolve("lib");
        assertTrue(Files.isRegularFile(jar), jar + " is built by `package`, before this test runs");
        // What `java -jar` loads: the jar and its manifest's Class-Path (lib/...), not whatever else
        // an earlier build left in target/lib.
        final List<Path> shipped = new ArrayList<>();
        shipped.add(jar);
        try (JarFile file = new JarFile(jar.toFile())) {
            final String classPath = file.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            assertTrue(classPath != null && !classPath.isBlank(), "the jar's manifest names its libraries");
            for (String entry : classPath.trim().split("\\s+")) {
                final Path library = TARGET.resolve(entry);
                assertTrue(Files.isRegularFile(library), "the manifest names " + entry + ", missing from " + lib);
                shipped.add(library);
            }
        }
        final List<URL> urls = new ArrayList<>();
        for (Path p : shipped) {
            urls.add(p.toUri().toURL());
        }

        // Referenced class -> the first main class that refers to it (for the failure message).
        final TreeMap<String, String> referenced = new TreeMap<>();
        int ownClasses = 0;
        for (Path p : shipped) {
            if (p != jar && !p.getFileName().toString().startsWith("incident-correlator-")) {
                continue;
            }
            try (JarFile file = new JarFile(p.toFile())) {
                for (JarEntry entry : (Iterable<JarEntry>) file.stream()::iterator) {
                    final String name = entry.getName();
                    if (!name.startsWith(OWN_PACKAGE) || !name.endsWith(".class")) {
                        continue;
                    }
                    ownClasses++;
                    final String self = name.substring(0, name.length() - ".class".length());
                    try (InputStream in = file.getInputStream(entry)) {
                        for (String ref : ClassFileReferences.read(in)) {
                            referenced.putIfAbsent(ref, self);
                        }
                    }
                }
            }
        }
        assertTrue(ownClasses > 200, "the shipped jars hold the project's classes; found " + ownClasses);

        final Set<String> missing = new TreeSet<>();
        try (URLClassLoader shippedOnly = new URLClassLoader("shipped", urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            referenced.forEach((ref, user) -> {
                final String binaryName = ref.replace('/', '.');
                try {
                    Class.forName(binaryName, false, shippedOnly);
                } catch (ClassNotFoundException | LinkageError e) {
                    missing.add(binaryName + " (used by " + user.replace('/', '.') + "): " + e);
                }
            });
        }
        assertTrue(missing.isEmpty(), missing.size() + " class(es) the main code uses are not in "
                + "target/incident-correlator.jar + target/lib (a dependency in test scope, or left "
                + "to a transitive that is not shipped?):\n  " + String.join("\n  ", missing));
    }

    /** The classes one class file names: its constant pool's class entries and every descriptor. */
    static final class ClassFileReferences {

        static Set<String> read(InputStream stream) throws IOException {
            final DataInputStream in = new DataInputStream(stream);
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            final int count = in.readUnsignedShort();
            final String[] utf8 = new String[count];
            final List<Integer> classNames = new ArrayList<>();
            final List<Integer> descriptors = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                final int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classNames.add(in.readUnsignedShort());
                    case 16 -> descriptors.add(in.readUnsignedShort()); // MethodType
                    case 12 -> { // NameAndType
                        in.readUnsignedShort();
                        descriptors.add(in.readUnsignedShort());
                    }
                    case 8, 19, 20 -> in.readUnsignedShort(); // String, Module, Package
                    case 3, 4 -> in.readInt();
                    case 9, 10, 11, 17, 18 -> in.readInt(); // refs, (Invoke)Dynamic
                    case 15 -> { // MethodHandle
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 5, 6 -> { // long, double: two slots
                        in.readLong();
                        i++;
                    }
                    default -> throw new IOException("unknown constant pool tag " + tag);
                }
            }
            in.readUnsignedShort(); // access
            in.readUnsignedShort(); // this
            in.readUnsignedShort(); // super (a class entry)
            in.skipBytes(2 * in.readUnsignedShort()); // interfaces (class entries)
            for (int member = 0; member < 2; member++) { // fields, then methods
                final int members = in.readUnsignedShort();
                for (int m = 0; m < members; m++) {
                    in.readUnsignedShort();
                    in.readUnsignedShort();
                    descriptors.add(in.readUnsignedShort());
                    final int attributes = in.readUnsignedShort();
                    for (int a = 0; a < attributes; a++) {
                        in.readUnsignedShort();
                        in.skipBytes(in.readInt());
                    }
                }
            }
            final Set<String> refs = new TreeSet<>();
            for (int index : classNames) {
                String name = utf8[index];
                // Array classes name their element type as a descriptor.
                if (name.startsWith("[")) {
                    addDescriptorClasses(name, refs);
                } else {
                    refs.add(name);
                }
            }
            for (int index : descriptors) {
                addDescriptorClasses(utf8[index], refs);
            }
            return refs;
        }

        private static void addDescriptorClasses(String descriptor, Set<String> into) {
            final Matcher m = DESCRIPTOR_CLASS.matcher(descriptor);
            while (m.find()) {
                into.add(m.group(1));
            }
        }
    }
}
