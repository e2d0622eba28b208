# Written by `iamdsl export --format terraform` from data_perimeter.iam.
# Account apps (222222222222): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["222222222222"]
}

resource "aws_iam_role" "Analytics" {
  name = "Analytics"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
  tags = {
    team = "analytics"
  }
}

resource "aws_iam_role_policy" "Analytics_inline" {
  name = "inline"
  role = aws_iam_role.Analytics.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = ["arn:aws:s3:::acme-data-lake/*", "arn:aws:s3:::acme-legacy-exports/*"]
      },
      {
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = ["arn:aws:s3:::acme-data-lake", "arn:aws:s3:::acme-legacy-exports"]
      },
      {
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = "arn:aws:s3:::*/*"
      },
    ]
  })
}

resource "aws_iam_role" "WebApp" {
  name = "WebApp"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy" "WebApp_inline" {
  name = "inline"
  role = aws_iam_role.WebApp.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = "arn:aws:sqs:eu-west-1:222222222222:orders"
      },
    ]
  })
}

resource "aws_vpc_endpoint_policy" "s3endpoint" {
  vpc_endpoint_id = "vpce-0a1b2c3d4e5f60718"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OrgBucketsOnly"
        Effect    = "Allow"
        Principal = "*"
        Action    = "s3:*"
        Resource  = "*"
        Condition = {
          StringEquals = {
            "aws:ResourceOrgID" = "o-a1b2c3d4e5"
          }
        }
      },
      {
        Sid       = "AmazonLinuxPackages"
        Effect    = "Allow"
        Principal = "*"
        Action    = "s3:GetObject"
        Resource  = "arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/*"
      },
    ]
  })
}
