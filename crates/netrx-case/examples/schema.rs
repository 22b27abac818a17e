fn main() {
    println!("{}", serde_json::to_string_pretty(&netrx_case::case_schema()).unwrap());
}
