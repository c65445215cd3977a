package dev.jimg.formats.container;

import dev.jimg.block.CorruptImageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The disks an OVF descriptor declares (DMTF DSP0243, "Open Virtualization Format"): each
 * {@code DiskSection/Disk} names a {@code References/File} by id, and the file's {@code href} is
 * a member of the OVA. Elements and attributes are matched by local name, so OVF 1.x and 2.x
 * (and the vendors' prefixes) read alike.
 *
 * <p>The XML comes from an untrusted archive: DOCTYPE declarations are refused outright, which
 * rules out external entities and entity expansion.
 */
final class OvfDescriptor {
    /** A descriptor larger than this is not one. */
    static final int MAX_SIZE = 16 << 20;

    private OvfDescriptor() {
    }

    /**
     * A disk the descriptor declares.
     *
     * @param href     the member holding it
     * @param capacity the declared capacity in bytes, or -1
     */
    record Disk(String href, long capacity) {
    }

    static List<Disk> disks(byte[] xml, String name) {
        Document doc = parse(xml, name);
        Map<String, String> hrefById = new HashMap<>();
        NodeList files = doc.getElementsByTagNameNS("*", "File");
        for (int i = 0; i < files.getLength(); i++) {
            Element f = (Element) files.item(i);
            hrefById.put(attribute(f, "id"), attribute(f, "href"));
        }
        List<Disk> disks = new ArrayList<>();
        NodeList declared = doc.getElementsByTagNameNS("*", "Disk");
        for (int i = 0; i < declared.getLength(); i++) {
            Element d = (Element) declared.item(i);
            String href = hrefById.get(attribute(d, "fileRef"));
            if (href != null && !href.isEmpty()) {
                disks.add(new Disk(href, capacity(d)));
            }
        }
        return disks;
    }

    private static Document parse(byte[] xml, String name) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new DefaultHandler()); // errors are thrown, not printed
            return b.parse(new ByteArrayInputStream(xml));
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks secure processing", e);
        } catch (SAXException | IOException e) {
            throw new CorruptImageException("OVF descriptor '" + name + "' is not valid XML: " + e.getMessage());
        }
    }

    /** An attribute by local name, whatever its namespace prefix. */
    private static String attribute(Element e, String localName) {
        for (int i = 0; i < e.getAttributes().getLength(); i++) {
            org.w3c.dom.Node a = e.getAttributes().item(i);
            String local = a.getLocalName() != null ? a.getLocalName() : a.getNodeName();
            if (local.equals(localName)) {
                return a.getNodeValue();
            }
        }
        return "";
    }

    /** {@code ovf:capacity} times {@code ovf:capacityAllocationUnits} ("byte * 2^30"), or -1. */
    private static long capacity(Element disk) {
        try {
            long capacity = Long.parseLong(attribute(disk, "capacity").trim());
            String units = attribute(disk, "capacityAllocationUnits").replace(" ", "");
            if (units.isEmpty() || units.equals("byte")) {
                return capacity;
            }
            if (units.startsWith("byte*2^")) {
                int shift = Integer.parseInt(units.substring("byte*2^".length()));
                return shift >= 0 && shift < 63 && capacity <= Long.MAX_VALUE >> shift ? capacity << shift : -1;
            }
            return -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
