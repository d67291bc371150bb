#[test]
fn dump() {
    let path = std::env::var("DBG_FILE").unwrap();
    let broker = harness::broker::BrokerChoice::parse(&std::env::var("DBG_BROKER").unwrap_or("reference".into())).unwrap();
    let scenario = harness::scenario::load_file(path.as_ref()).unwrap();
    let (outcome, record) = harness::run::run_scenario(path.as_ref(), &scenario, &broker, None).unwrap();
    std::fs::write("/tmp/dbg/log.txt", &record.broker_log).unwrap();
    let mut calls = String::new();
    for s in &record.served { calls.push_str(&format!("{:?}\n", s)); }
    for s in &record.status_samples { calls.push_str(&format!("{:?}\n", s)); }
    for s in &record.events { calls.push_str(&format!("{:?}\n", s)); }
    calls.push_str(&format!("{:#?}\n", record.auth.store_writes));
    std::fs::write("/tmp/dbg/calls.txt", calls).unwrap();
    println!("{:#?}", outcome.violations);
}

#[test]
fn find_hang() {
    use harness::explore::*;
    let master: u64 = std::env::var("DBG_MASTER").unwrap().parse().unwrap();
    let from: u64 = std::env::var("DBG_FROM").unwrap_or("0".into()).parse().unwrap();
    let to: u64 = std::env::var("DBG_TO").unwrap_or("200".into()).parse().unwrap();
    for index in from..to {
        let seed = case_seed(master, index);
        let schedule = generate(&ScheduleShape::default(), seed);
        let plan = InvariantPlan::for_schedule(&schedule);
        let text = render_scenario(&schedule, &plan, "hang", &[]);
        let (tx, rx) = std::sync::mpsc::channel();
        let s2 = schedule.clone();
        std::thread::spawn(move || {
            let broker = harness::broker::BrokerChoice::parse("reference").unwrap();
            let _ = play_case(&s2, &InvariantPlan::for_schedule(&s2), &broker, "hang");
            let _ = tx.send(());
        });
        if rx.recv_timeout(std::time::Duration::from_secs(30)).is_err() {
            std::fs::write("/tmp/dbg/hang.toml", &text).unwrap();
            panic!("index {index} seed {seed} hangs");
        }
    }
}
