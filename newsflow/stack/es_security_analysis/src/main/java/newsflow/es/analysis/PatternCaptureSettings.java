package newsflow.es.analysis;

import java.util.List;

import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.BooleanSetting;
import org.elasticsearch.plugin.settings.ListSetting;
import org.elasticsearch.plugin.settings.StringSetting;

/** Settings of the {@code pattern_capture} token filter, as analysis-common names them. */
@AnalysisSettings
public interface PatternCaptureSettings {
    /** Regular expressions; every capture group of every match becomes a token. */
    @ListSetting(path = "patterns")
    List<String> patterns();

    /**
     * The {@code type} key of a configured filter. Elasticsearch also builds every registered
     * filter once with empty settings (for use by bare name); there it is empty.
     */
    @StringSetting(path = "type", defaultValue = "")
    String type();

    /** Also emit the original token (analysis-common's default is true). */
    @BooleanSetting(path = "preserve_original", defaultValue = true)
    boolean preserveOriginal();
}
