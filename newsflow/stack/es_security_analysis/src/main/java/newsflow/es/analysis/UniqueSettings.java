package newsflow.es.analysis;

import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.BooleanSetting;

/** Settings of the {@code unique} token filter, as analysis-common names them. */
@AnalysisSettings
public interface UniqueSettings {
    /** Drop a repeated term only when it is at the same position (default: anywhere in the stream). */
    @BooleanSetting(path = "only_on_same_position", defaultValue = false)
    boolean onlyOnSamePosition();
}
