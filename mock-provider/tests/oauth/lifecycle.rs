//! The refresh-token lifecycle: rotation with grace and reuse detection,
//! the per-client limit, Testing-mode and idle expiry, password change,
//! early invalidation and the provider clock.

use crate::common::{self, get, refresh, text};
use mock_provider::{Clock, ClockOffset, MockProvider, RevocationCause};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A clock that stands still, so provider time moves only by jumps.
#[derive(Debug)]
struct StillClock(SystemTime);

impl Clock for StillClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

fn still() -> Arc<dyn Clock> {
    Arc::new(StillClock(UNIX_EPOCH + Duration::from_secs(1_800_000_000)))
}

fn grant_of(provider: &MockProvider, cause: RevocationCause) -> usize {
    provider
        .grants()
        .iter()
        .filter(|g| g.revoked_by == Some(cause))
        .count()
}

#[tokio::test]
async fn rotation_returns_a_new_token_keeps_the_old_one_for_the_grace_then_revokes_on_reuse() {
    let provider = MockProvider::builder()
        .clock(still())
        .rotate_refresh_tokens(Duration::from_secs(30))
        .start()
        .await;
    let first = provider.refresh_token("alice@example.com").expect("seeded");
    let rotated = refresh(&provider, first.expose_secret()).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let second = text(&rotated.json(), "refresh_token");
    assert_ne!(second, *first.expose_secret());

    provider.jump_clock(Duration::from_secs(29));
    let in_grace = refresh(&provider, first.expose_secret()).await;
    assert_eq!(in_grace.status, 200, "the old token works inside the grace");
    // A retry inside the grace (its answer was lost) gets the current token
    // again, so the client can recover; nothing new is minted.
    assert_eq!(text(&in_grace.json(), "refresh_token"), second);

    provider.jump_clock(Duration::from_secs(2));
    let reused = refresh(&provider, first.expose_secret()).await;
    assert_eq!(reused.oauth_error().1, "invalid_grant");
    let family = refresh(&provider, &second).await;
    assert_eq!(
        family.oauth_error(),
        (
            400,
            "invalid_grant".to_owned(),
            "Token has been expired or revoked.".to_owned()
        ),
        "reuse revokes the whole family"
    );
    assert_eq!(grant_of(&provider, RevocationCause::ReuseDetected), 1);
}

#[tokio::test]
async fn the_refresh_token_past_the_limit_silently_evicts_the_oldest() {
    let provider = MockProvider::builder()
        .clock(still())
        .refresh_token_limit(3)
        .start()
        .await;
    let seeded = provider.refresh_token("alice@example.com").expect("seeded");
    let mut newer = Vec::new();
    for _ in 0..3 {
        let tokens = common::offline_tokens(&provider, &[("prompt", "consent")]).await;
        newer.push(text(&tokens, "refresh_token"));
    }
    let evicted = refresh(&provider, seeded.expose_secret()).await;
    assert_eq!(
        evicted.oauth_error().2,
        "Token has been expired or revoked."
    );
    for token in &newer {
        assert_eq!(refresh(&provider, token).await.status, 200);
    }
    assert_eq!(grant_of(&provider, RevocationCause::Evicted), 1);
    assert_eq!(
        provider
            .live_refresh_grants("alice@example.com", provider.client_id())
            .len(),
        3
    );
}

#[tokio::test]
async fn testing_mode_refresh_tokens_die_seven_days_after_consent() {
    let provider = MockProvider::builder()
        .clock(still())
        .testing_mode(true)
        .start()
        .await;
    let tokens = common::offline_tokens(&provider, &[("prompt", "consent")]).await;
    assert_eq!(tokens["refresh_token_expires_in"], 604_799);
    let refresh_token = text(&tokens, "refresh_token");
    provider.jump_clock(6 * DAY);
    let day_six = refresh(&provider, &refresh_token).await;
    assert_eq!(day_six.status, 200);
    assert_eq!(day_six.json()["refresh_token_expires_in"], 86_399);
    provider.jump_clock(DAY);
    let day_seven = refresh(&provider, &refresh_token).await;
    assert_eq!(day_seven.oauth_error().1, "invalid_grant");
}

#[tokio::test]
async fn an_unused_refresh_token_dies_after_the_idle_window_and_use_resets_it() {
    let provider = MockProvider::builder()
        .clock(still())
        .refresh_idle_expiry(10 * DAY)
        .start()
        .await;
    let token = provider.refresh_token("alice@example.com").expect("seeded");
    provider.jump_clock(9 * DAY);
    assert_eq!(refresh(&provider, token.expose_secret()).await.status, 200);
    provider.jump_clock(9 * DAY);
    assert_eq!(refresh(&provider, token.expose_secret()).await.status, 200);
    provider.jump_clock(11 * DAY);
    let idle = refresh(&provider, token.expose_secret()).await;
    assert_eq!(idle.oauth_error().1, "invalid_grant");
}

#[tokio::test]
async fn google_s_default_idle_window_is_about_six_months() {
    let provider = MockProvider::builder().clock(still()).start().await;
    let token = provider.refresh_token("alice@example.com").expect("seeded");
    provider.jump_clock(150 * DAY);
    assert_eq!(refresh(&provider, token.expose_secret()).await.status, 200);
    provider.jump_clock(184 * DAY);
    assert_eq!(refresh(&provider, token.expose_secret()).await.status, 400);
}

#[tokio::test]
async fn a_password_change_kills_gmail_grants_only() {
    let provider = MockProvider::builder().clock(still()).start().await;
    let gmail = provider.refresh_token("alice@example.com").expect("seeded");
    let openid_only =
        common::offline_tokens(&provider, &[("scope", "openid"), ("prompt", "consent")]).await;
    assert_eq!(provider.change_password("alice@example.com"), 1);
    assert_eq!(refresh(&provider, gmail.expose_secret()).await.status, 400);
    let survivor = refresh(&provider, &text(&openid_only, "refresh_token")).await;
    assert_eq!(survivor.status, 200, "{}", survivor.text);
    assert_eq!(grant_of(&provider, RevocationCause::PasswordChange), 1);
}

#[tokio::test]
async fn early_invalidation_kills_access_tokens_but_not_the_refresh_token() {
    let provider = MockProvider::builder().clock(still()).start().await;
    let token = provider.refresh_token("alice@example.com").expect("seeded");
    let first = refresh(&provider, token.expose_secret()).await.json();
    let access = SecretString::from(text(&first, "access_token"));
    assert!(provider.access_token_is_valid(&access));
    assert_eq!(provider.invalidate_access_tokens("alice@example.com"), 1);
    assert!(!provider.access_token_is_valid(&access));
    let info = get(&format!(
        "{}?access_token={}",
        provider.tokeninfo_url(),
        access.expose_secret()
    ))
    .await;
    assert_eq!(info.status, 400);
    let again = refresh(&provider, token.expose_secret()).await;
    assert_eq!(again.status, 200, "the grant lives on");
}

#[tokio::test]
async fn skew_and_jumps_move_provider_time_and_expiry_with_it() {
    let clock = still();
    let base = clock.now();
    let provider = MockProvider::builder().clock(clock).start().await;
    let token = provider.refresh_token("alice@example.com").expect("seeded");
    let answer = refresh(&provider, token.expose_secret()).await.json();
    let access = SecretString::from(text(&answer, "access_token"));

    provider.skew_clock(ClockOffset::Ahead(Duration::from_secs(3600)));
    assert_eq!(provider.now(), base + Duration::from_secs(3600));
    assert!(
        !provider.access_token_is_valid(&access),
        "expired at provider time"
    );
    provider.skew_clock(ClockOffset::Behind(Duration::from_secs(60)));
    assert_eq!(provider.now(), base - Duration::from_secs(60));
    assert!(provider.access_token_is_valid(&access));
    provider.jump_clock(Duration::from_secs(120));
    assert_eq!(
        provider.clock_offset(),
        ClockOffset::Ahead(Duration::from_secs(60))
    );

    refresh(&provider, token.expose_secret()).await;
    let entry = provider.journal().entries().pop().expect("journaled");
    assert_eq!(entry.started_at, base + Duration::from_secs(60));
    let issued = entry.issued.expect("an access token");
    assert_eq!(issued.expires_at, base + Duration::from_secs(60 + 3599));
    assert_eq!(entry.grant_type.as_deref(), Some("refresh_token"));
}
