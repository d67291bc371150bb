//! The flaw behind `mutant:archive-is-delete`: a sync that reads "INBOX
//! removed" in Gmail's history as "message deleted", so archiving mail
//! deletes it from the broker's copy.

use futures::future::BoxFuture;
use reference_impl::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use serde_json::Value;
use std::sync::Arc;

/// Rewrites every `history.list` page: a `labelsRemoved` change that takes
/// `INBOX` off a message gains a `messagesDeleted` twin, which the
/// reference sync engine then applies.
#[derive(Debug)]
pub(crate) struct ArchiveIsDelete {
    pub inner: Arc<dyn HttpTransport>,
}

impl HttpTransport for ArchiveIsDelete {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let is_history = request.uri().path().ends_with("/history");
        let answer = self.inner.send(request);
        Box::pin(async move {
            let response = answer.await?;
            if !is_history || !response.status().is_success() {
                return Ok(response);
            }
            let (parts, body) = response.into_parts();
            let body = match serde_json::from_slice::<Value>(&body) {
                Ok(mut page) => {
                    archive_as_delete(&mut page);
                    page.to_string().into_bytes()
                }
                Err(_) => body,
            };
            Ok(HttpResponse::from_parts(parts, body))
        })
    }
}

fn archive_as_delete(page: &mut Value) {
    let Some(records) = page.get_mut("history").and_then(Value::as_array_mut) else {
        return;
    };
    for record in records {
        let archived: Vec<Value> = record
            .get("labelsRemoved")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|change| {
                change
                    .get("labelIds")
                    .and_then(Value::as_array)
                    .is_some_and(|labels| labels.iter().any(|l| l == "INBOX"))
            })
            .map(|change| serde_json::json!({"message": change["message"].clone()}))
            .collect();
        if !archived.is_empty() {
            record["messagesDeleted"] = Value::Array(archived);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::archive_as_delete;
    use serde_json::json;

    #[test]
    fn only_changes_that_take_inbox_off_become_deletions() {
        let mut page = json!({"history": [
            {"id": "1", "labelsRemoved": [{"message": {"id": "a"}, "labelIds": ["INBOX"]}]},
            {"id": "2", "labelsRemoved": [{"message": {"id": "b"}, "labelIds": ["UNREAD"]}]},
        ]});
        archive_as_delete(&mut page);
        assert_eq!(
            page["history"][0]["messagesDeleted"][0]["message"]["id"],
            "a"
        );
        assert!(page["history"][1].get("messagesDeleted").is_none());
    }
}
