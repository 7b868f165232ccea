package newsflow.es.analysis;

import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.IntSetting;

/** Settings of the {@code uax_url_email} tokenizer, as analysis-common names them. */
@AnalysisSettings
public interface UaxUrlEmailSettings {
    /** Longest token; longer ones are split (Lucene's and analysis-common's default is 255). */
    @IntSetting(path = "max_token_length", defaultValue = 255)
    int maxTokenLength();
}
