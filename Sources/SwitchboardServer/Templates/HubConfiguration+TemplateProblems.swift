import SwitchboardCore

extension HubConfiguration {
    /// Every Mustache template of the configuration that does not compile (`templates:`, each
    /// topic's `alert:` and every declared responder's texts), with its key path and line, in
    /// file order.
    ///
    /// Core reads the sources but has no template engine, so this check lives here; `serve`
    /// refuses to start on any of these and `check-config` lists them. Without it a broken
    /// topic alert would only be logged at start and its alerts silently off.
    package var templateProblems: [ConfigProblem] {
        ConfigProblem.inFileOrder(MessageTemplates.problems(templates) + TopicAlerts.problems(topics) + ResponderTemplates.problems(responders))
    }
}
