//! [`forward_host!`]: a wrapper that changes only the broker keeps the
//! host of the instance it wraps, every power forwarded as it is (so it can
//! claim no more than that host has).

/// Implements [`InstanceHost`](crate::broker::InstanceHost) for `$wrapper`
/// by forwarding every power to its field `$inner` (an
/// `Arc<dyn BrokerInstance>`).
macro_rules! forward_host {
    ($wrapper:ty, $inner:tt) => {
        #[async_trait::async_trait]
        impl $crate::broker::InstanceHost for $wrapper {
            async fn restart(&self) -> Result<(), $crate::broker::BrokerFailure> {
                self.$inner.restart().await
            }

            async fn shutdown(&self) {
                self.$inner.shutdown().await;
            }

            fn store_faults(&self) -> Option<&dyn $crate::broker::StoreFaults> {
                self.$inner.store_faults()
            }

            fn mail_faults(&self) -> Option<&dyn $crate::broker::MailFaults> {
                self.$inner.mail_faults()
            }

            fn set_clock_offset(
                &self,
                offset_ms: i64,
            ) -> Result<(), $crate::broker::BrokerFailure> {
                self.$inner.set_clock_offset(offset_ms)
            }

            fn gateway(&self) -> Option<&dyn $crate::broker::GatewayUnderTest> {
                self.$inner.gateway()
            }

            fn captured_log(&self) -> Option<Vec<u8>> {
                self.$inner.captured_log()
            }

            fn captured_answers(&self) -> Option<Vec<u8>> {
                self.$inner.captured_answers()
            }

            fn problems(&self) -> Vec<String> {
                self.$inner.problems()
            }

            fn store_writes(&self) -> Vec<$crate::broker::StoreWrite> {
                self.$inner.store_writes()
            }
        }
    };
}

pub(crate) use forward_host;
